/**
 * Timers of keyedProcess (and the KeyedTimers service under it), against a
 * brute-force model: event-time timers fire in (time, registration) order as
 * the watermark passes them, ahead of that watermark; they are deduplicated
 * per key and time; deleteEventTimeTimer works; onTimer sees its key, its
 * time and that key's state; timers registered by asynchronous calls before a
 * watermark fire ahead of it; timers survive snapshot/restore.
 * (Processing-time timers in virtual time: marbles/state/timers.spec.ts.)
 */
import fc from 'fast-check';
import { from, lastValueFrom, toArray, VirtualTimeScheduler, type Observable } from 'rxjs';
import { END_OF_INPUT, keyedProcess, MAX_WATERMARK, recordBatch, watermark, type Element, type KeyedElement } from '../src';
import { HeapKeyedStateBackend } from '../src/state/HeapKeyedStateBackend';
import { EventTimeScheduler } from '../src/time/EventTimeScheduler';
import { KeyedTimers, type TimersSnapshotData } from '../src/time/TimerService';

interface Rec {
  readonly key: string;
  readonly ts: number;
  /** Offsets from ts of the timers to register, in order (repeats included). */
  readonly register: readonly number[];
  /** Offsets from ts of timers of this key to delete, after registering. */
  readonly remove: readonly number[];
}
type Item = { readonly rec: Rec } | { readonly wm: number };

function inputOf(items: readonly Item[]): Observable<KeyedElement<Rec, string>> {
  const elements: Element<Rec>[] = items.map((item) =>
    'wm' in item ? watermark(item.wm) : recordBatch([item.rec], [item.rec.ts], [item.rec.key]),
  );
  return from([...elements, watermark(MAX_WATERMARK), END_OF_INPUT]) as Observable<KeyedElement<Rec, string>>;
}

async function tokensOf(output: Observable<Element<string>>): Promise<string[]> {
  const elements = await lastValueFrom(output.pipe(toArray()));
  return elements.flatMap((e) => (e.kind === 'batch' ? [...e.values] : e.kind === 'watermark' ? [`w:${e.timestamp}`] : []));
}

/** The timer logic under test: count records per key; onTimer reports key, time and count, and chains one more timer from even times. */
const CHAIN_LIMIT = 60;
const timerLogic = {
  processElement(r: Rec, ctx: { key: string; timestamp: number | undefined; getValueState<S>(n: string, d: S): { value(): S; update(v: S): void }; timerService: { registerEventTimeTimer(t: number): void; deleteEventTimeTimer(t: number): void } }) {
    const count = ctx.getValueState('count', 0);
    count.update(count.value() + 1);
    for (const o of r.register) ctx.timerService.registerEventTimeTimer(r.ts + o);
    for (const o of r.remove) ctx.timerService.deleteEventTimeTimer(r.ts + o);
  },
  onTimer(
    time: number,
    ctx: { key: string; timestamp: number | undefined; timeDomain: string; getValueState<S>(n: string, d: S): { value(): S }; timerService: { registerEventTimeTimer(t: number): void } },
    out: { collect(v: string): void },
  ) {
    expect(ctx.timestamp).toBe(time);
    expect(ctx.timeDomain).toBe('event');
    out.collect(`${ctx.key}@${time}:${ctx.getValueState('count', 0).value()}`);
    if (time % 2 === 0 && time < CHAIN_LIMIT) ctx.timerService.registerEventTimeTimer(time + 3);
  },
};

/** Brute force: pending timers as a list of (key, time, seq); a watermark fires the due ones, smallest (time, seq) first. */
function referenceTokens(items: readonly Item[]): string[] {
  const pending: { key: string; time: number; seq: number }[] = [];
  const counts = new Map<string, number>();
  let seq = 0;
  const register = (key: string, time: number) => {
    if (!pending.some((p) => p.key === key && p.time === time)) pending.push({ key, time, seq: seq++ });
  };
  const tokens: string[] = [];
  const advance = (wm: number) => {
    for (;;) {
      const due = pending.filter((p) => p.time <= wm).sort((a, b) => a.time - b.time || a.seq - b.seq)[0];
      if (due === undefined) break;
      pending.splice(pending.indexOf(due), 1);
      tokens.push(`${due.key}@${due.time}:${counts.get(due.key) ?? 0}`);
      if (due.time % 2 === 0 && due.time < CHAIN_LIMIT) register(due.key, due.time + 3);
    }
    tokens.push(`w:${wm}`);
  };
  let last = Number.MIN_SAFE_INTEGER;
  for (const item of items) {
    if ('wm' in item) {
      if (item.wm > last) advance(item.wm);
      else tokens.push(`w:${item.wm}`);
      last = Math.max(last, item.wm);
    } else {
      const { key, ts, register: reg, remove } = item.rec;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      for (const o of reg) register(key, ts + o);
      for (const o of remove) {
        const i = pending.findIndex((p) => p.key === key && p.time === ts + o);
        if (i >= 0) pending.splice(i, 1);
      }
    }
  }
  advance(MAX_WATERMARK);
  return tokens;
}

const itemsArb = fc
  .array(
    fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          key: fc.constantFrom('a', 'b', 'c'),
          ts: fc.integer({ min: 0, max: 40 }),
          register: fc.array(fc.integer({ min: -3, max: 12 }), { maxLength: 3 }),
          remove: fc.array(fc.integer({ min: -3, max: 12 }), { maxLength: 1 }),
        }),
      },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 60 }).map((wm) => ({ wm })) },
    ),
    { maxLength: 30 },
  )
  .map((xs) => xs.map((x): Item => ('wm' in x ? x : { rec: x })));

describe('event-time timers of keyedProcess', () => {
  it('fire in (time, registration) order ahead of the watermark that passes them, deduplicated per key and time, deletable, seeing their key and state (brute-force model)', async () => {
    await fc.assert(
      fc.asyncProperty(itemsArb, async (items) => {
        const tokens = await tokensOf(inputOf(items).pipe(keyedProcess<Rec, string, string>(timerLogic)));
        expect(tokens).toEqual(referenceTokens(items));
      }),
      { numRuns: 400 },
    );
  });

  it('register and delete: a deleted timer does not fire; registered again, it fires once', async () => {
    const items: Item[] = [
      { rec: { key: 'a', ts: 10, register: [5, 5, 5], remove: [] } },
      { rec: { key: 'b', ts: 10, register: [5], remove: [5] } },
      { rec: { key: 'a', ts: 11, register: [4], remove: [4] } },
      { rec: { key: 'a', ts: 12, register: [3], remove: [] } },
      { wm: 20 },
    ];
    const tokens = await tokensOf(inputOf(items).pipe(keyedProcess<Rec, string, string>(timerLogic)));
    expect(tokens).toEqual(['a@15:3', 'w:20', `w:${MAX_WATERMARK}`]);
  });

  it('orders a timer deleted and registered again by its new registration', async () => {
    const items: Item[] = [
      { rec: { key: 'a', ts: 10, register: [5], remove: [5] } },
      { rec: { key: 'b', ts: 10, register: [5], remove: [] } },
      { rec: { key: 'a', ts: 11, register: [4], remove: [] } },
      { wm: 20 },
    ];
    const tokens = await tokensOf(inputOf(items).pipe(keyedProcess<Rec, string, string>(timerLogic)));
    expect(tokens).toEqual(['b@15:1', 'a@15:2', 'w:20', `w:${MAX_WATERMARK}`]);
    expect(tokens).toEqual(referenceTokens(items));
  });

  it('timers registered before the first watermark fire at exactly their time (no rounding near MIN_WATERMARK)', async () => {
    // one timer per time 1000…1011; each watermark t must fire exactly the timer at t
    const items: Item[] = [];
    for (let t = 1000; t < 1012; t++) items.push({ rec: { key: `k${t}`, ts: t, register: [0], remove: [] } });
    for (let t = 1000; t < 1012; t++) items.push({ wm: t });
    const tokens = await tokensOf(inputOf(items).pipe(keyedProcess<Rec, string, string>(timerLogic)));
    const expected: string[] = [];
    for (let t = 1000; t < 1012; t++) expected.push(`k${t}@${t}:1`, `w:${t}`);
    expect(tokens).toEqual([...expected, `w:${MAX_WATERMARK}`]);
  });

  it('fires, ahead of a watermark, the timers registered by asynchronous calls that were still running when it arrived', async () => {
    for (const order of ['ordered', 'unordered'] as const) {
      const items: Item[] = [{ rec: { key: 'a', ts: 5, register: [1], remove: [] } }, { rec: { key: 'b', ts: 6, register: [2], remove: [] } }, { wm: 50 }];
      const tokens = await tokensOf(
        inputOf(items).pipe(
          keyedProcess<Rec, string, string>(
            {
              async processElement(r, ctx) {
                await new Promise((resolve) => setTimeout(resolve, r.key === 'a' ? 15 : 1));
                for (const o of r.register) ctx.timerService.registerEventTimeTimer(r.ts + o);
              },
              onTimer(time, ctx, out) {
                out.collect(`${ctx.key}@${time}`);
              },
            },
            { order },
          ),
        ),
      );
      expect(tokens).toEqual(['a@6', 'b@8', 'w:50', `w:${MAX_WATERMARK}`]);
    }
  });

  it('an asynchronous onTimer holds the watermark back until it finishes', async () => {
    const items: Item[] = [{ rec: { key: 'a', ts: 5, register: [0], remove: [] } }, { wm: 10 }, { rec: { key: 'a', ts: 20, register: [], remove: [] } }];
    const log: string[] = [];
    const tokens = await tokensOf(
      inputOf(items).pipe(
        keyedProcess<Rec, string, string>({
          processElement(r, ctx, out) {
            for (const o of r.register) ctx.timerService.registerEventTimeTimer(r.ts + o);
            log.push(`process ${r.ts}`);
            out.collect(`r${r.ts}`);
          },
          async onTimer(time, _ctx, out) {
            log.push(`timer ${time} start`);
            await new Promise((resolve) => setTimeout(resolve, 10));
            log.push(`timer ${time} end`);
            out.collect(`t${time}`);
          },
        }),
      ),
    );
    expect(tokens).toEqual(['r5', 't5', 'w:10', 'r20', `w:${MAX_WATERMARK}`]);
    // the record after the watermark, of the same key, waited for the timer in the key's mailbox
    expect(log).toEqual(['process 5', 'timer 5 start', 'timer 5 end', 'process 20']);
  });
});

describe('KeyedTimers', () => {
  function harness() {
    const fired: string[] = [];
    const processing = new VirtualTimeScheduler();
    const backend = new HeapKeyedStateBackend('t', { processingTime: () => processing.now(), eventTime: () => 0 });
    const timers = new KeyedTimers(
      't',
      new EventTimeScheduler(),
      processing,
      (scope, time, domain) => fired.push(`${String(scope.key)}@${time}/${domain}`),
      (err) => {
        throw err;
      },
    );
    return { fired, processing, timers, scopeOf: (k: unknown) => backend.scopeOf(k) };
  }

  it('fires processing-time timers in time order on the processing clock, deduplicated per key and time', () => {
    const { fired, processing, timers, scopeOf } = harness();
    timers.register(scopeOf('a'), 30, 'processing');
    timers.register(scopeOf('b'), 10, 'processing');
    timers.register(scopeOf('a'), 10, 'processing');
    timers.register(scopeOf('a'), 10, 'processing');
    timers.register(scopeOf('b'), 20, 'processing');
    timers.serviceFor(scopeOf('b'), () => 0).deleteProcessingTimeTimer(20);
    expect(timers.size).toBe(3);
    processing.flush();
    expect(fired).toEqual(['b@10/processing', 'a@10/processing', 'a@30/processing']);
    expect(timers.size).toBe(0);
  });

  it('at end of input fires each pending processing-time timer once, even one that re-registers itself', () => {
    const fired: number[] = [];
    const processing = new VirtualTimeScheduler();
    const backend = new HeapKeyedStateBackend('t', { processingTime: () => processing.now(), eventTime: () => 0 });
    const scope = backend.scopeOf('a');
    const timers: KeyedTimers = new KeyedTimers(
      't',
      new EventTimeScheduler(),
      processing,
      (s, time) => {
        fired.push(time);
        timers.register(s, processing.now() + 100, 'processing'); // a periodic timer
      },
      (err) => {
        throw err;
      },
    );
    timers.register(scope, 100, 'processing');
    timers.register(scope, 50, 'processing');
    timers.stop();
    timers.drainProcessing();
    expect(fired).toEqual([50, 100]);
  });

  it('snapshot() and restore(): pending timers of both clocks survive a JSON round trip and fire as they would have', () => {
    const a = harness();
    a.timers.register(a.scopeOf('x'), 40, 'event');
    a.timers.register(a.scopeOf({ id: 1 }), 20, 'event');
    a.timers.register(a.scopeOf('x'), 30, 'processing');
    a.timers.register(a.scopeOf('y'), 60, 'event');
    a.timers.serviceFor(a.scopeOf('y'), () => 0).deleteEventTimeTimer(60);
    a.timers.advanceWatermark(25); // fires {id:1}@20
    expect(a.fired).toEqual(['[object Object]@20/event']);
    const data = JSON.parse(JSON.stringify(a.timers.snapshot().toData())) as TimersSnapshotData;
    expect(data).toEqual({ event: [['x', 40]], processing: [['x', 30]] });
    const b = harness();
    b.timers.restore([data], { start: 0, end: 127 }, 128, b.scopeOf);
    b.timers.advanceWatermark(100);
    b.processing.flush();
    expect(b.fired).toEqual(['x@40/event', 'x@30/processing']);
  });
});
