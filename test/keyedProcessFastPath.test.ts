/**
 * What keyedProcess's fast paths must not change: one object serves as a
 * call's context and collector (a collector kept past its call is refused
 * even while the next call of the same key runs); per-key actors are reused
 * with their value-state handles (a new default, a TTL or a second state
 * name still get the right handle); a Promise's settlement goes through the
 * key's shared callbacks, while other thenables, Promise subclasses and
 * Observables still work; actors are dropped when there are many idle ones;
 * ctx.key is the record's own key object; and the linked mailbox runs
 * messages one at a time, in order, without recursion. The key's actor
 * answers `value()` of its first value state from what was last read or
 * written through it: every other way of writing that state (another default,
 * `ctx.state(descriptor)`, a TTL'd declaration, a handle kept past its actor)
 * must make it forget.
 */
import fc from 'fast-check';
import { from, lastValueFrom, Observable, toArray } from 'rxjs';
import {
  END_OF_INPUT,
  valueState,
  keyedProcess,
  MAX_WATERMARK,
  recordBatch,
  StreamLiteError,
  UserFunctionError,
  watermark,
  type Collector,
  type Element,
  type KeyedElement,
  type KeyedProcessContext,
} from '../src';
import { LinkedMailbox, type MailboxHandler } from '../src/actor/Mailbox';
import type { KeyedProcessProbe } from '../src/operators/keyedProcess';
import { rejectionOf } from './support/errorOf';

/** Records `[value, key]` in batches of `batchSize` (timestamp = position), then the end. */
function keyedInput<T, K>(records: readonly (readonly [T, K])[], batchSize = records.length || 1): Observable<KeyedElement<T, K>> {
  const elements: Element<T>[] = [];
  for (let i = 0; i < records.length; i += batchSize) {
    const b = records.slice(i, i + batchSize);
    elements.push(
      recordBatch(
        b.map(([v]) => v),
        b.map((_, j) => i + j),
        b.map(([, k]) => k),
      ),
    );
  }
  return from([...elements, watermark(MAX_WATERMARK), END_OF_INPUT]) as Observable<KeyedElement<T, K>>;
}

const valuesOf = <T>(elements: readonly Element<T>[]): T[] => elements.flatMap((e) => (e.kind === 'batch' ? [...e.values] : []));

const run = <T, K, OUT>(input: Observable<KeyedElement<T, K>>, op: ReturnType<typeof keyedProcess<T, K, OUT>>) =>
  lastValueFrom(input.pipe(op, toArray())).then(valuesOf);

describe('a call is its own context and collector', () => {
  it('refuses a collector kept from an earlier call while the next call of the same key runs', async () => {
    let kept: Collector<number> | undefined;
    let ctxKept: KeyedProcessContext<string> | undefined;
    const refused: unknown[] = [];
    const out = await run(
      keyedInput([
        [1, 'a'],
        [2, 'a'],
      ]),
      keyedProcess<number, string, number>(async (v, ctx, o) => {
        if (kept !== undefined) {
          for (const late of [() => kept!.collect(-1), () => kept!.collectWithTimestamp(-1, 5), () => ctxKept!.output({ id: 'x' } as never, -1)]) {
            try {
              late();
            } catch (err) {
              refused.push(err);
            }
          }
        }
        kept = o;
        ctxKept = ctx;
        await Promise.resolve();
        o.collect(v);
      }),
    );
    expect(out).toEqual([1, 2]);
    expect(refused).toHaveLength(3);
    for (const err of refused) expect(err).toBeInstanceOf(StreamLiteError);
  });

  it('shows the record timestamp (undefined when none), the key, the watermark and the clock', async () => {
    const seen: unknown[] = [];
    const input = from([
      recordBatch(['x', 'y'], [7, Number.MIN_SAFE_INTEGER], ['k1', 'k2']),
      watermark(MAX_WATERMARK),
      END_OF_INPUT,
    ]) as Observable<KeyedElement<string, string>>;
    await run(
      input,
      keyedProcess<string, string, string>((v, ctx, o) => {
        seen.push([v, ctx.key, ctx.timestamp, ctx.currentWatermark < 0, (ctx as unknown as { timeDomain: string }).timeDomain]);
        o.collect(v);
      }),
    );
    expect(seen).toEqual([
      ['x', 'k1', 7, true, 'event'],
      ['y', 'k2', undefined, true, 'event'],
    ]);
  });

  it('gives ctx.key as the record carries it (composite keys: that record’s own object)', async () => {
    const k1 = { user: 'u1' };
    const k2 = { user: 'u1' };
    const keys: unknown[] = [];
    await run(
      keyedInput<number, { user: string }>([
        [1, k1],
        [2, k2],
      ]),
      keyedProcess<number, { user: string }, number>((_v, ctx) => void keys.push(ctx.key)),
    );
    expect(keys[0]).toBe(k1);
    expect(keys[1]).toBe(k2);
  });

  it('keeps results and their timestamps: several per call, with explicit timestamps, in input order', async () => {
    const out = await lastValueFrom(
      keyedInput<number, string>(
        [
          [1, 'a'],
          [2, 'b'],
          [3, 'a'],
        ],
        2,
      ).pipe(
        keyedProcess<number, string, string>(async (v, _ctx, o) => {
          await new Promise((r) => setTimeout(r, v === 1 ? 5 : 0));
          o.collect(`${v}.0`);
          o.collectWithTimestamp(`${v}.1`, 100 + v);
          o.collect(`${v}.2`);
        }),
        toArray(),
      ),
    );
    const pairs = out.flatMap((e) => (e.kind === 'batch' ? e.values.map((v, i) => [v, e.timestamps[i]]) : []));
    expect(pairs).toEqual([
      ['1.0', 0],
      ['1.1', 101],
      ['1.2', 0],
      ['2.0', 1],
      ['2.1', 102],
      ['2.2', 1],
      ['3.0', 2],
      ['3.1', 103],
      ['3.2', 2],
    ]);
  });
});

describe('value-state handles reused per key', () => {
  it('follow the default declared now, a TTL, and several state names', async () => {
    const records: [number, string][] = Array.from({ length: 12 }, (_, i) => [i, `k${i % 2}`]);
    const out = await run(
      keyedInput(records, 5),
      keyedProcess<number, string, string>(async (v, ctx, o) => {
        // the default changes with the record: an unset state must show the default of this declaration
        const fresh = ctx.getValueState(`never-set-${v % 3}`, v);
        const seenDefault = fresh.value();
        const count = ctx.getValueState('count', 0);
        const total = ctx.getValueState('total', 0);
        const withTtl = ctx.getValueState('count', 0, { ttl: { ttl: 1_000_000 } });
        count.update(count.value() + 1);
        await Promise.resolve();
        total.update(total.value() + v);
        o.collect(`${v}:${seenDefault}:${count.value()}:${total.value()}:${withTtl.value()}`);
      }),
    );
    const expected: string[] = [];
    const counts = [0, 0];
    const totals = [0, 0];
    for (const [v] of records) {
      const k = v % 2;
      counts[k]++;
      totals[k] += v;
      expected.push(`${v}:${v}:${counts[k]}:${totals[k]}:${counts[k]}`);
    }
    expect(out).toEqual(expected);
  });

  it('are the same over many keys and calls as a state that is declared anew each time (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 100 }), fc.constantFrom('a', 'b', 'c')), { maxLength: 40 }),
        fc.integer({ min: 1, max: 7 }),
        fc.boolean(),
        async (records, batchSize, asyncFn) => {
          const out = await run(
            keyedInput(records, batchSize),
            keyedProcess<number, string, string>((v, ctx, o) => {
              const a = ctx.getValueState('a', 0);
              const b = ctx.getValueState('b', '');
              a.update(a.value() + v);
              b.update(b.value() + String.fromCharCode(97 + (v % 26)));
              o.collect(`${ctx.key}:${a.value()}:${b.value()}`);
              return asyncFn ? Promise.resolve() : undefined;
            }),
          );
          const sums = new Map<string, number>();
          const texts = new Map<string, string>();
          const expected = records.map(([v, k]) => {
            sums.set(k, (sums.get(k) ?? 0) + v);
            texts.set(k, (texts.get(k) ?? '') + String.fromCharCode(97 + (v % 26)));
            return `${k}:${sums.get(k)}:${texts.get(k)}`;
          });
          expect(out).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('the value a key caches for its first value state', () => {
  /** Runs `steps` (one call per record, all of key 'k') and returns what each call collected. */
  const runSteps = (steps: ((ctx: KeyedProcessContext<string>) => unknown)[], asyncFn = true) =>
    run(
      keyedInput<number, string>(steps.map((_, i) => [i, 'k'])),
      keyedProcess<number, string, unknown>((i, ctx, o) => {
        o.collect(steps[i](ctx));
        return asyncFn ? Promise.resolve() : undefined;
      }),
    );

  it('is forgotten when the same state is written through a handle with another default', async () => {
    expect(
      await runSteps([
        (ctx) => ctx.getValueState('x', 0).value(),
        (ctx) => (ctx.getValueState('x', 5).update(7), ctx.getValueState('x', 0).value()),
        (ctx) => (ctx.getValueState('x', 5).clear(), [ctx.getValueState('x', 0).value(), ctx.getValueState('x', 5).value()]),
      ]),
    ).toEqual([0, 7, [0, 5]]);
  });

  it('is forgotten when the same state is written through ctx.state(descriptor), also one made before the cache', async () => {
    let early: { update(v: number): void } | undefined;
    expect(
      await runSteps([
        (ctx) => {
          early = ctx.state(valueState('x', 0));
          return ctx.getValueState('x', 0).value();
        },
        (ctx) => {
          ctx.getValueState('x', 0).value();
          early!.update(3);
          return ctx.getValueState('x', 0).value();
        },
        (ctx) => (ctx.state(valueState('x', 0)).update(4), ctx.getValueState('x', 0).value()),
      ]),
    ).toEqual([0, 3, 4]);
  });

  it('follows recipes, objects written directly (frozen), and clear()', async () => {
    const out = await runSteps([
      (ctx) => {
        const s = ctx.getValueState('doc', { n: 0 });
        s.update((d) => {
          d.n = 1;
        });
        return s.value().n;
      },
      (ctx) => {
        const s = ctx.getValueState('doc', { n: 0 });
        const next = { n: s.value().n + 1 };
        s.update(next);
        return [s.value() === next, Object.isFrozen(s.value()), s.value().n];
      },
      (ctx) => {
        const s = ctx.getValueState('doc', { n: 0 });
        s.clear();
        return s.value().n;
      },
    ]);
    expect(out).toEqual([1, [true, true, 2], 0]);
  });

  it('is never used for a name declared with a TTL (a read may expire the value)', async () => {
    const clock = { now: 0 };
    // processing-time TTL of 10 on a hand-driven clock: the value written at 0 has expired at 20
    const scheduler = { now: () => clock.now, schedule: () => ({ unsubscribe() {} }) } as never;
    const out = await run(
      keyedInput<number, string>([
        [0, 'k'],
        [1, 'k'],
        [2, 'k'],
      ]),
      keyedProcess<number, string, unknown>(
        (i, ctx, o) => {
          const plain = ctx.getValueState('x', -1);
          if (i === 0) {
            plain.value();
            ctx.getValueState('x', -1, { ttl: { ttl: 10 } }).update(42);
            o.collect(plain.value());
          } else if (i === 1) {
            clock.now = 20;
            o.collect(ctx.getValueState('x', -1, { ttl: { ttl: 10 } }).value());
          } else o.collect(plain.value());
        },
        { scheduler },
      ),
    );
    expect(out).toEqual([42, -1, -1]);
  });

  it('is forgotten when a handle kept past its dropped actor writes (40,000 keys in between)', async () => {
    let kept: { update(v: number): void; value(): number } | undefined;
    const dropped: boolean[] = [];
    const records: [number, string][] = [[1, 'x'], ...Array.from({ length: 40_000 }, (_, i): [number, string] => [0, `k${i}`]), [2, 'x'], [3, 'x']];
    const out = await run(
      keyedInput(records, 4096),
      // synchronous, so that actors are idle (and dropped) while the input still comes
      keyedProcess<number, string, number>((v, ctx, o) => {
        const s = ctx.getValueState('s', 0);
        if (ctx.key !== 'x') return undefined;
        dropped.push(kept !== undefined && s !== kept);
        if (v === 1) {
          kept = s;
          s.update(10);
        } else if (v === 2) {
          o.collect(s.value()); // a new actor caches 10
          kept!.update(20); // through the dropped actor
          o.collect(s.value());
        } else o.collect(s.value());
        return undefined;
      }),
    );
    expect(out).toEqual([10, 20, 20]);
    expect(dropped).toEqual([false, true, true]);
  });

  it('matches the backend for any mix of reads and writes through every kind of handle (fast-check)', async () => {
    type Op = { via: 'first' | 'otherDefault' | 'descriptor'; op: 'read' | 'set' | 'add' | 'clear'; n: number };
    const opArb = fc.record({
      via: fc.constantFrom<Op['via']>('first', 'otherDefault', 'descriptor'),
      op: fc.constantFrom<Op['op']>('read', 'set', 'add', 'clear'),
      n: fc.integer({ min: 0, max: 9 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom('a', 'b'), fc.array(opArb, { maxLength: 4 })), { maxLength: 25 }), fc.boolean(), async (calls, asyncFn) => {
        const out = await run(
          keyedInput(calls.map(([k, ops]) => [ops, k] as [Op[], string]), 3),
          keyedProcess<Op[], string, string>((ops, ctx, o) => {
            const seen: string[] = [];
            for (const { via, op, n } of ops) {
              const h = via === 'first' ? ctx.getValueState('v', 0) : via === 'otherDefault' ? ctx.getValueState('v', 100) : ctx.state(valueState('v', 200));
              if (op === 'read') seen.push(String(h.value()));
              else if (op === 'set') h.update(n);
              else if (op === 'add') h.update((x: number) => x + n);
              else h.clear();
            }
            seen.push(String(ctx.getValueState('v', 0).value()));
            o.collect(seen.join(','));
            return asyncFn ? Promise.resolve() : undefined;
          }),
        );
        // the model: one stored value per key, or none (then each handle shows its own default)
        const stored = new Map<string, number | undefined>();
        const expected = calls.map(([k, ops]) => {
          const seen: string[] = [];
          for (const { via, op, n } of ops) {
            const dflt = via === 'first' ? 0 : via === 'otherDefault' ? 100 : 200;
            const cur = stored.get(k);
            if (op === 'read') seen.push(String(cur ?? dflt));
            else if (op === 'set') stored.set(k, n);
            else if (op === 'add') stored.set(k, (cur ?? dflt) + n);
            else stored.set(k, undefined);
          }
          seen.push(String(stored.get(k) ?? 0));
          return seen.join(',');
        });
        expect(out).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });
});

describe('what a function may return', () => {
  class TaggedPromise<T> extends Promise<T> {}

  it.each([
    ['a Promise', (v: number) => Promise.resolve(v)],
    ['a Promise subclass', (v: number) => TaggedPromise.resolve(v)],
    ['a thenable', (v: number) => ({ then: (ok: (x: number) => void) => setTimeout(() => ok(v), 0) })],
    ['a thenable that settles twice', (v: number) => ({ then: (ok: (x: number) => void) => (ok(v), ok(v)) })],
    ['an Observable', (v: number) => new Observable<number>((s) => void setTimeout(() => s.complete(), v % 3))],
    ['nothing', () => undefined],
  ])('%s: per-key order and output order hold', async (_name, result) => {
    const records: [number, string][] = Array.from({ length: 30 }, (_, i) => [i, `k${i % 4}`]);
    const started: number[] = [];
    const out = await run(
      keyedInput(records, 7),
      keyedProcess<number, string, number>((v, _ctx, o) => {
        started.push(v);
        o.collect(v);
        return result(v) as never;
      }),
    );
    expect(out).toEqual(records.map(([v]) => v));
    for (let k = 0; k < 4; k++) {
      const mine = started.filter((v) => v % 4 === k);
      expect(mine).toEqual([...mine].sort((x, y) => x - y));
    }
  });

  it('a rejected Promise errors the stream naming the key and the record, also with an undefined reason', async () => {
    const err = await rejectionOf(
      run(
        keyedInput<number, string>([
          [1, 'a'],
          [2, 'b'],
        ]),
        keyedProcess<number, string, number>((v) => (v === 2 ? Promise.reject(undefined) : Promise.resolve())),
      ),
    );
    expect(err).toBeInstanceOf(UserFunctionError);
    expect((err as UserFunctionError).record).toEqual({ value: 2, timestamp: 1, key: 'b' });
    expect(((err as UserFunctionError).cause as Error).message).toBe('promise rejected');
  });
});

describe('per-key actors', () => {
  it('are dropped when idle ones pile up (40,000 keys), with every result in order and no mailbox left', async () => {
    for (const asyncFn of [false, true]) {
      let probe!: KeyedProcessProbe;
      const records: [number, number][] = Array.from({ length: 40_000 }, (_, i) => [i, i]);
      const out = await run(
        keyedInput(records, 1024),
        keyedProcess<number, number, number>(
          (v, ctx, o) => {
            const s = ctx.getValueState('s', 0);
            s.update(s.value() + 1);
            o.collect(v * 10 + s.value());
            return asyncFn ? Promise.resolve() : undefined;
          },
          { probe: (p) => (probe = p), maxInFlight: 100_000 },
        ),
      );
      expect(out).toEqual(records.map(([v]) => v * 10 + 1));
      expect(probe.mailboxes()).toBe(0);
      expect(probe.inFlight()).toBe(0);
    }
  });

  it('keep state across being dropped and made again', async () => {
    // key 'x' comes back after 40,000 other keys (synchronous calls: idle actors): its actor was dropped, its state is in the backend
    const handles: unknown[] = [];
    const records: [number, string][] = [[1, 'x'], ...Array.from({ length: 40_000 }, (_, i): [number, string] => [0, `k${i}`]), [2, 'x']];
    const out = await run(
      keyedInput(records, 4096),
      keyedProcess<number, string, number>((v, ctx, o) => {
        const s = ctx.getValueState('s', 0);
        s.update(s.value() + v);
        if (ctx.key !== 'x') return undefined;
        handles.push(s);
        o.collect(s.value());
        return undefined;
      }),
    );
    expect(out).toEqual([1, 3]);
    expect(handles[0]).not.toBe(handles[1]); // the actor was dropped and made again
  });
});

describe('LinkedMailbox', () => {
  interface Msg {
    readonly id: number;
    readonly delay: number | undefined;
    nextInMailbox: Msg | undefined;
  }

  it('runs messages one at a time in arrival order, synchronous ones in a loop (no recursion), and reports idle', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }), { minLength: 1, maxLength: 30 }), async (delays) => {
        const order: number[] = [];
        let running = 0;
        let maxRunning = 0;
        let depth = 0;
        let maxDepth = 0;
        let idles = 0;
        let finished = 0;
        let allDone!: () => void;
        const done = new Promise<void>((r) => (allDone = r));
        const handler: MailboxHandler<Msg> = {
          run(m, box) {
            depth++;
            maxDepth = Math.max(maxDepth, depth);
            running++;
            maxRunning = Math.max(maxRunning, running);
            order.push(m.id);
            const end = () => {
              running--;
              box.done(m);
              box.done(m); // a second done() is ignored
              if (++finished === delays.length) allDone();
            };
            if (m.delay === undefined) end();
            else setTimeout(end, m.delay);
            depth--;
          },
          idle: () => idles++,
        };
        const box = new LinkedMailbox<Msg>(handler);
        delays.forEach((delay, id) => box.post({ id, delay, nextInMailbox: undefined }));
        await done;
        expect(order).toEqual(delays.map((_, i) => i));
        expect(maxRunning).toBe(1);
        expect(maxDepth).toBe(1);
        expect(box.isBusy).toBe(false);
        expect(box.depth).toBe(0);
        expect(idles).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 40 },
    );
  });

  it('runs 100,000 queued synchronous messages after an asynchronous one without growing the stack', () => {
    const box = new LinkedMailbox<Msg>({
      run(m, b) {
        if (m.id > 0) b.done(m);
      },
      idle: () => undefined,
    });
    const first: Msg = { id: 0, delay: 1, nextInMailbox: undefined };
    box.post(first);
    for (let i = 1; i <= 100_000; i++) box.post({ id: i, delay: undefined, nextInMailbox: undefined });
    expect(box.depth).toBe(100_000);
    box.done(first);
    expect(box.depth).toBe(0);
    expect(box.isBusy).toBe(false);
  });
});
