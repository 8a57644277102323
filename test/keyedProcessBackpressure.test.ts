/**
 * The in-flight bound of keyedProcess and its back-pressure signal.
 *
 * The operator subscribes its input inside `withFlowGate`: a source
 * subscribed then captures the gate and pauses while it is closed. The gate
 * closes when `maxInFlight` records are accepted but not finished, and opens
 * again below it; a pausing source checks it between batches, so at most
 * `maxInFlight − 1 + batchSize` records are ever in flight.
 *
 * Most tests use a hand-written pausable source, to watch the gate itself;
 * the last one runs `fromCollection`, which honours the gate.
 */
import { lastValueFrom, Observable, toArray } from 'rxjs';
import {
  END_OF_INPUT,
  fromCollection,
  keyBy,
  keyedProcess,
  MAX_WATERMARK,
  NO_TIMESTAMP,
  recordBatch,
  watermark,
  type Element,
  type KeyedElement,
} from '../src';
import { currentFlowGates, gatesOpen, whenGatesOpen, type FlowGate } from '../src/actor/FlowGate';
import type { KeyedProcessProbe } from '../src/operators/keyedProcess';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What the pausable source saw of the gates. */
interface GateLog {
  gates: readonly FlowGate[];
  pauses: number;
  resumes: number;
  emitted: number;
}

/** A source over `values` in batches of `batchSize` that pauses while a downstream gate is closed. */
function pausableSource<T>(values: readonly T[], keyOf: (v: T) => string, batchSize: number, log: GateLog): Observable<KeyedElement<T, string>> {
  return new Observable<Element<T>>((subscriber) => {
    const gates = currentFlowGates();
    log.gates = gates;
    let i = 0;
    const pump = (): void => {
      while (i < values.length && !subscriber.closed) {
        if (!gatesOpen(gates)) {
          log.pauses++;
          whenGatesOpen(gates, () => {
            log.resumes++;
            pump();
          });
          return;
        }
        const slice = values.slice(i, i + batchSize);
        i += slice.length;
        log.emitted += slice.length;
        subscriber.next(recordBatch(slice, slice.map(() => NO_TIMESTAMP), slice.map(keyOf)));
      }
      if (!subscriber.closed) {
        subscriber.next(watermark(MAX_WATERMARK));
        subscriber.next(END_OF_INPUT);
        subscriber.complete();
      }
    };
    pump();
  }) as Observable<KeyedElement<T, string>>;
}

describe('the in-flight bound', () => {
  it.each([
    [1, 1],
    [4, 3],
    [10, 1],
    [10, 7],
    [25, 16],
  ])('maxInFlight %i, batches of %i: in flight never exceeds maxInFlight − 1 + one batch, and the gate closes and reopens', async (maxInFlight, batchSize) => {
    const n = 300;
    const values = Array.from({ length: n }, (_, i) => i);
    const log: GateLog = { gates: [], pauses: 0, resumes: 0, emitted: 0 };
    let probe!: KeyedProcessProbe;
    let finished = 0;
    let running = 0;
    let maxRunning = 0;
    let maxAccepted = 0;
    const gateStates = new Set<boolean>();
    const out = await lastValueFrom(
      pausableSource(values, (v) => `k${v % 37}`, batchSize, log).pipe(
        keyedProcess<number, string, number>(
          async (v, _ctx, o) => {
            running++;
            maxRunning = Math.max(maxRunning, running);
            // records the source handed over and that have not finished yet
            maxAccepted = Math.max(maxAccepted, log.emitted - finished);
            gateStates.add(log.gates[0].isOpen);
            await sleep(v % 3);
            o.collect(v);
            running--;
            finished++;
          },
          { maxInFlight, probe: (p) => (probe = p) },
        ),
        toArray(),
      ),
    );
    const results = out.flatMap((e) => (e.kind === 'batch' ? e.values : []));
    expect(results).toEqual(values);
    expect(log.gates).toHaveLength(1);
    expect(maxAccepted).toBeLessThanOrEqual(maxInFlight - 1 + batchSize);
    expect(maxRunning).toBeLessThanOrEqual(maxInFlight - 1 + batchSize);
    // the gate did its job: closed (the source paused) and opened again (it resumed)
    expect(log.pauses).toBeGreaterThan(0);
    expect(log.resumes).toBe(log.pauses);
    // calls saw the gate closed (the bound reached) and, when the bound leaves room, open
    expect(gateStates.has(false)).toBe(true);
    expect(gateStates.has(true)).toBe(maxInFlight > 1);
    expect(log.gates[0].isOpen).toBe(true);
    expect(probe.inFlight()).toBe(0);
    expect(probe.mailboxes()).toBe(0);
  });

  it('a slow key takes one slot of the bound: the other keys keep running past it', async () => {
    const maxInFlight = 8;
    const values = ['slow', ...Array.from({ length: 100 }, (_, i) => `fast${i % 10}`)];
    const log: GateLog = { gates: [], pauses: 0, resumes: 0, emitted: 0 };
    let releaseSlow!: () => void;
    const slowGate = new Promise<void>((r) => (releaseSlow = r));
    let fastDone = 0;
    const result = lastValueFrom(
      pausableSource(values, (v) => v, 1, log).pipe(
        keyedProcess<string, string, string>(
          async (v, _ctx, o) => {
            if (v === 'slow') await slowGate;
            else {
              await sleep(1);
              fastDone++;
            }
            o.collect(v);
          },
          { maxInFlight, order: 'unordered' },
        ),
        toArray(),
      ),
    );
    const waitedFrom = Date.now();
    while (fastDone < 100 && Date.now() - waitedFrom < 5_000) await sleep(5);
    // every fast record finished while 'slow' was still running
    expect(fastDone).toBe(100);
    releaseSlow();
    const out = (await result).flatMap((e) => (e.kind === 'batch' ? e.values : []));
    expect(out[out.length - 1]).toBe('slow');
    expect(out).toHaveLength(101);
  });

  it('a source that cannot pause is not lost: records beyond the bound wait in their mailboxes', async () => {
    const values = Array.from({ length: 200 }, (_, i) => i);
    const out = await lastValueFrom(
      fromCollection(values, { batchSize: 200 }).pipe(
        keyBy((v) => v % 3),
        keyedProcess<number, number, number>(
          async (v, _ctx, o) => {
            await sleep(0);
            o.collect(v);
          },
          { maxInFlight: 2 },
        ),
        toArray(),
      ),
    );
    expect(out.flatMap((e) => (e.kind === 'batch' ? e.values : []))).toEqual(values);
  });
});

describe('back-pressure to a real source', () => {
  it('fromCollection pauses while keyedProcess has maxInFlight records in flight (in flight ≤ maxInFlight − 1 + batchSize)', async () => {
    const maxInFlight = 5;
    const batchSize = 4;
    const values = Array.from({ length: 200 }, (_, i) => i);
    let emitted = 0;
    let finished = 0;
    let maxAccepted = 0;
    const out = await lastValueFrom(
      fromCollection(values, { batchSize }).pipe(
        keyBy((v) => {
          emitted++; // the key selector runs as the source emits
          return v % 11;
        }),
        keyedProcess<number, number, number>(
          async (v, _ctx, o) => {
            maxAccepted = Math.max(maxAccepted, emitted - finished);
            await sleep(v % 2);
            o.collect(v);
            finished++;
          },
          { maxInFlight },
        ),
        toArray(),
      ),
    );
    expect(out.flatMap((e) => (e.kind === 'batch' ? e.values : []))).toEqual(values);
    expect(maxAccepted).toBeLessThanOrEqual(maxInFlight - 1 + batchSize);
  });
});
