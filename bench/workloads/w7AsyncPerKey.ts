/**
 * W7 — a per-key asynchronous process function over 10,000 keys.
 *
 * Data: 200,000 records `[key, value]`, keys uniform over 10,000 from a fixed
 * seed. The function is asynchronous (it returns a Promise: an awaited
 * lookup) and keeps a running sum per key; calls of one key must run one at
 * a time, in order, while keys run concurrently. Output: per record
 * `key:sum-so-far`, in input order.
 * The engine variant is `keyedProcess` (a mailbox per busy key, bounded
 * in-flight work, ordered output). The hand variant is the naive per-key
 * Promise chain a user writes: `chains.set(k, (chains.get(k) ?? done).then(…))`,
 * results put back in input order.
 */
import { fromCollection, keyBy, keyedProcess, collect } from '../../src';
import { Fnv1a } from '../lib/checksum';
import { mulberry32 } from '../lib/random';
import { defineWorkload, scaled } from './types';

export const W7_RECORDS = 200_000;
export const W7_KEYS = 10_000;

type Rec = readonly [key: string, value: number];

/** The asynchronous part: an awaited lookup, as a call to a service or a store would be. */
const lookup = (value: number): Promise<number> => Promise.resolve(value % 97);

export const w7AsyncPerKey = defineWorkload<readonly Rec[], string>({
  id: 'W7',
  description: 'per-key async process function (Promise per record), 200k records over 10,000 keys, ordered output',
  records: W7_RECORDS,
  maxReps: 7,
  generate(seed, scale) {
    const n = scaled(W7_RECORDS, scale);
    const random = mulberry32(seed);
    const data: Rec[] = [];
    for (let i = 0; i < n; i++) data.push([`k${Math.floor(random() * W7_KEYS)}`, Math.floor(random() * 1000)]);
    return { data, records: n };
  },
  variants: {
    engine: async (data) => {
      const out = await collect(
        fromCollection(data as Rec[]).pipe(
          keyBy((r: Rec) => r[0]),
          keyedProcess<Rec, string, string>(
            async (r, ctx, o) => {
              const sum = ctx.getValueState('sum', 0);
              sum.update(sum.value() + (await lookup(r[1])));
              o.collect(`${r[0]}:${sum.value()}`);
            },
            { maxInFlight: 10_000 },
          ),
        ),
      );
      return digest(out);
    },
    hand: async (data) => {
      const sums = new Map<string, number>();
      const chains = new Map<string, Promise<void>>();
      const results = new Array<string>(data.length);
      for (let i = 0; i < data.length; i++) {
        const [key, value] = data[i];
        const previous = chains.get(key) ?? Promise.resolve();
        chains.set(
          key,
          previous.then(async () => {
            const sum = (sums.get(key) ?? 0) + (await lookup(value));
            sums.set(key, sum);
            results[i] = `${key}:${sum}`;
          }),
        );
      }
      await Promise.all(chains.values());
      return digest(results);
    },
  },
  checksum: (r) => r,
});

function digest(lines: readonly string[]): string {
  const h = new Fnv1a();
  h.num(lines.length);
  for (const l of lines) h.str(l);
  return h.digest();
}
