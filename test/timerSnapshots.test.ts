/**
 * Timer snapshots are O(1) at the barrier and turned into data later: the
 * data must be what an immediate copy gave (same keys, times and order),
 * however the timers changed in between — registered, deleted, fired, keys
 * emptied and registered again — with several snapshots open at once, and
 * the timers must keep working (firing, size, hasTimers) meanwhile.
 */
import fc from 'fast-check';
import { VirtualTimeScheduler } from 'rxjs';
import { HeapKeyedStateBackend } from '../src/state/HeapKeyedStateBackend';
import { canonicalKey } from '../src/state/canonicalKey';
import { EventTimeScheduler } from '../src/time/EventTimeScheduler';
import { KeyedTimers, type TimersSnapshot, type TimersSnapshotData } from '../src/time/TimerService';

type Op =
  | { op: 'register' | 'delete'; key: string; time: number; domain: 'event' | 'processing' }
  | { op: 'advance'; to: number }
  | { op: 'snapshot' }
  | { op: 'read'; which: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constantFrom('register' as const, 'delete' as const), key: fc.constantFrom('a', 'b', 'c', 'd'), time: fc.integer({ min: 0, max: 20 }), domain: fc.constantFrom('event' as const, 'processing' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('advance' as const), to: fc.integer({ min: 0, max: 25 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('snapshot' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('read' as const), which: fc.nat() }) },
);

function harness() {
  const fired: string[] = [];
  const processing = new VirtualTimeScheduler();
  const backend = new HeapKeyedStateBackend('t', { processingTime: () => processing.now(), eventTime: () => 0 });
  const timers = new KeyedTimers('t', new EventTimeScheduler(), processing, (scope, time, domain) => fired.push(`${String(scope.key)}@${time}/${domain}`), (err) => {
    throw err;
  });
  return { fired, timers, scopeOf: (k: unknown) => backend.scopeOf(k) };
}

/** Applies a timer operation (register, delete, advance); returns the watermark after it. */
function apply(h: ReturnType<typeof harness>, o: Op, watermark: number): number {
  if (o.op === 'register') h.timers.register(h.scopeOf(o.key), o.time, o.domain);
  else if (o.op === 'delete') h.timers.serviceFor(h.scopeOf(o.key), () => watermark)[o.domain === 'event' ? 'deleteEventTimeTimer' : 'deleteProcessingTimeTimer'](o.time);
  else if (o.op === 'advance') {
    if (o.to > watermark) watermark = o.to;
    h.timers.advanceWatermark(watermark);
  }
  return watermark;
}

describe('timer snapshots', () => {
  it('turned into data later give what an immediate copy gave, while the timers go on working', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const h = harness();
        const { timers } = h;
        const open: { lazy: TimersSnapshot; expected: TimersSnapshotData }[] = [];
        let watermark = -1;
        for (const o of ops) {
          if (o.op === 'snapshot') {
            const lazy = timers.snapshot();
            // an immediate copy: a second snapshot turned into data at once
            open.push({ lazy, expected: timers.snapshot().toData() });
          } else if (o.op === 'read') {
            if (open.length === 0) continue;
            const [s] = open.splice(o.which % open.length, 1);
            expect(s.lazy.toData()).toEqual(s.expected);
          } else {
            watermark = apply(h, o, watermark);
          }
        }
        for (const s of open) expect(s.lazy.toData()).toEqual(s.expected);
        // With every snapshot closed the live timers are what the events left: compare with a fresh copy's keys.
        const now = timers.snapshot().toData();
        expect(timers.size).toBe(now.event.length + now.processing.length);
        for (const k of ['a', 'b', 'c', 'd']) {
          const has = now.event.some(([key]) => key === k) || now.processing.some(([key]) => key === k);
          expect(timers.hasTimers(canonicalKey(k))).toBe(has);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('fires the same timers with snapshots open as without', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const run = (withSnapshots: boolean): string[] => {
          const h = harness();
          let watermark = -1;
          for (const o of ops) {
            if (o.op === 'snapshot') {
              if (withSnapshots) h.timers.snapshot();
            } else if (o.op !== 'read') watermark = apply(h, o, watermark);
          }
          h.timers.advanceWatermark(100);
          h.timers.drainProcessing();
          return h.fired;
        };
        expect(run(true)).toEqual(run(false));
      }),
      { numRuns: 200 },
    );
  });
});
