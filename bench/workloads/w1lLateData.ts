/**
 * W1L — W1 with late data: the late path measured too.
 *
 * Data: W1's stream ({@link keyedEvents}, same seed: every other record is
 * identical) where 1% of the records are pulled back a further 2–30 s. With
 * `boundedOutOfOrderness(2000)` and an allowed lateness of 5 s:
 * - a record whose window's end the watermark has not reached is on time;
 * - one whose window fired but `end − 1 + 5000 > W` updates the window, which
 *   fires again at once with a LATE pane (accumulating: the whole window's
 *   count and sum so far), pane index 1, 2, …;
 * - one whose window is past `end − 1 + 5000 ≤ W` goes to the late side
 *   output and the late-records counter.
 * The checksum covers every pane (timing, index, isLast included), the late
 * records and the counter.
 */
import { boundedOutOfOrderness, MetricRegistry, OutputTag, StreamLite, tumbling } from '../../src';
import { type Event, keyedEvents, windowChecksum, type WindowRun } from '../lib/eventData';
import { defineWorkload } from './types';
import {
  collectWithSide,
  countAndSumInPlace,
  handTumbling,
  lateCounter,
  OUT_OF_ORDERNESS_MS,
  W1_RECORDS,
  w1Spec,
  WINDOW_MS,
} from './w1Tumbling';

export const W1L_LATE_FRACTION = 0.01;
export const W1L_LATE_MIN_MS = 2_000;
export const W1L_LATE_MAX_MS = 30_000;
export const W1L_ALLOWED_LATENESS_MS = 5_000;

export const w1lLateData = defineWorkload<readonly Event[], WindowRun>({
  id: 'W1L',
  description: 'W1 + late data: 1% of records pulled back a further 2–30 s; allowed lateness 5 s (LATE panes), late side output + counter',
  records: W1_RECORDS,
  generate(seed, scale) {
    const spec = { ...w1Spec(scale), lateFraction: W1L_LATE_FRACTION, lateMinMs: W1L_LATE_MIN_MS, lateMaxMs: W1L_LATE_MAX_MS };
    return { data: keyedEvents(seed, spec), records: spec.records };
  },
  variants: {
    engine: async (events) => {
      const metrics = new MetricRegistry();
      const lateTag = new OutputTag<Event>('late');
      const windowed = StreamLite.fromCollection(events, { timestamp: (e) => e.t })
        .assignTimestampsAndWatermarks(boundedOutOfOrderness(OUT_OF_ORDERNESS_MS))
        .keyBy((e) => e.k)
        .window(tumbling(WINDOW_MS), { metrics, name: 'w1l' })
        .allowedLateness(W1L_ALLOWED_LATENESS_MS)
        .sideOutputLateData(lateTag)
        .aggregate(countAndSumInPlace);
      const [results, late] = await collectWithSide(windowed, lateTag);
      return { results, late, lateCount: lateCounter(metrics, 'w1l') };
    },

    hand: (events) => handTumbling(events, WINDOW_MS, OUT_OF_ORDERNESS_MS, W1L_ALLOWED_LATENESS_MS),
  },
  checksum: windowChecksum,
});
