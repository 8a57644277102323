/**
 * W3 — keyed sliding event-time windows, 10 s every 1 s, count and sum, over
 * W1's data: the same generator, seed and scaling rule ({@link w1Spec}), at
 * half W1's default size — 100,000 records over 500 keys and 100 s of event
 * time, nothing late (every record updates 10 windows, so this is the
 * heaviest workload per record; `--size 2000000` gives the issue's
 * 2,000,000 records over 10,000 keys, `--size 200000` exactly W1's default
 * data). ~110 panes per key.
 *
 * The hand loop updates the 10 windows of each record (Map by window start,
 * Map by key) — what a user writes; an engine can do better by aggregating
 * per 1 s slice and combining slices when a window fires (the issue's target
 * is 1.5× the hand loop).
 */
import { boundedOutOfOrderness, MetricRegistry, sliding, StreamLite } from '../../src';
import { type Event, keyedEvents, windowChecksum, type WindowRun } from '../lib/eventData';
import { defineWorkload } from './types';
import { countAndSumInPlace, handWindows, lateCounter, OUT_OF_ORDERNESS_MS, W1_RECORDS, w1Spec, WINDOW_MS } from './w1Tumbling';

export const W3_SLIDE_MS = 1_000;
/** Default records: half of W1's default (the time budget of a full run). */
export const W3_RECORDS = W1_RECORDS / 2;

export const w3Sliding = defineWorkload<readonly Event[], WindowRun>({
  id: 'W3',
  description: "keyed sliding event-time windows 10 s / 1 s, count+sum, over W1's data (100k records, 500 keys, 100 s; 10 windows per record)",
  records: W3_RECORDS,
  generate(seed, scale) {
    const spec = w1Spec((scale * W3_RECORDS) / W1_RECORDS);
    return { data: keyedEvents(seed, spec), records: spec.records };
  },
  variants: {
    engine: async (events) => {
      const metrics = new MetricRegistry();
      const results = await StreamLite.fromCollection(events, { timestamp: (e) => e.t })
        .assignTimestampsAndWatermarks(boundedOutOfOrderness(OUT_OF_ORDERNESS_MS))
        .keyBy((e) => e.k)
        .window(sliding(WINDOW_MS, W3_SLIDE_MS), { metrics, name: 'w3' })
        .aggregate(countAndSumInPlace)
        .collect();
      return { results, late: [], lateCount: lateCounter(metrics, 'w3') };
    },

    hand: (events) => handWindows(events, WINDOW_MS, W3_SLIDE_MS, OUT_OF_ORDERNESS_MS, 0),
  },
  checksum: windowChecksum,
});
