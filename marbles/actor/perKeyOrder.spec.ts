import fc from 'fast-check';
import { tap, timer, type Observable } from 'rxjs';
import { configure } from 'rxjs-marbles/jest';
import { keyedProcess, type Element, type KeyedElement } from '../../src';
import { coldElements, rec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

/** The records of these diagrams carry keys (rec(value, ts, key)): the stream is keyed. */
const keyed = <T>(elements: Observable<Element<T>>) => elements as Observable<KeyedElement<T, string>>;

interface Job {
  readonly id: number;
  readonly key: string;
  readonly delay: number;
}

/** An input item placed `gap` frames after the previous one. */
type Item = { readonly gap: number } & ({ readonly job: Job } | { readonly wm: number });

const RECORD_LETTERS = 'abcdefghijklmnopqrst';
const WATERMARK_LETTERS = 'WXYZVUTS';

const itemsArb = fc
  .array(
    fc.record({
      gap: fc.integer({ min: 1, max: 3 }),
      what: fc.oneof(
        { weight: 5, arbitrary: fc.record({ key: fc.constantFrom('a', 'b', 'c'), delay: fc.integer({ min: 0, max: 8 }) }) },
        { weight: 1, arbitrary: fc.constant('W' as const) },
      ),
    }),
    { minLength: 1, maxLength: 20 },
  )
  .map((raw) => {
    let id = 0;
    let w = 0;
    const items: Item[] = [];
    for (const { gap, what } of raw) {
      if (what === 'W') {
        if (w < WATERMARK_LETTERS.length) items.push({ gap, wm: (w += 1) * 100 });
      } else items.push({ gap, job: { id: id++, key: what.key, delay: what.delay } });
    }
    return items;
  });

/** The marble and values map of the items; each item at frame = its position in the marble. */
function marbleOf(items: readonly Item[]) {
  let marble = '';
  const values: Record<string, Element<Job>> = {};
  const frames: number[] = [];
  let r = 0;
  let w = 0;
  for (const item of items) {
    marble += '-'.repeat(item.gap);
    frames.push(marble.length);
    const letter = 'job' in item ? RECORD_LETTERS[r++] : WATERMARK_LETTERS[w++];
    values[letter] = 'job' in item ? rec(item.job, marble.length, item.job.key) : wm(item.wm);
    marble += letter;
  }
  return { marble: `${marble}|`, values, frames };
}

/**
 * The brute-force schedule: a call starts when its record arrives or when the
 * previous call of its key finishes, whichever is later, and takes `delay`
 * frames; ordered output emits each element once it and everything before it
 * is done; unordered output emits a record when it is done and the control
 * element before it was emitted, a watermark once everything before it is.
 */
function reference(items: readonly Item[], frames: readonly number[]) {
  const keyFree = new Map<string, number>();
  const starts: string[] = [];
  const ordered: string[] = [];
  const unordered: string[] = [];
  let doneSoFar = 0; // the latest finish among elements so far (ordered emission frame)
  let lastControl = 0; // emission frame of the last watermark
  items.forEach((item, i) => {
    const arrival = frames[i];
    if ('job' in item) {
      const start = Math.max(arrival, keyFree.get(item.job.key) ?? 0);
      const finish = start + item.job.delay;
      keyFree.set(item.job.key, finish);
      starts.push(`${item.job.id}@${start}`);
      doneSoFar = Math.max(doneSoFar, finish);
      ordered.push(`${doneSoFar} r${item.job.id}`);
      unordered.push(`${Math.max(finish, lastControl)} r${item.job.id}`);
    } else {
      doneSoFar = Math.max(doneSoFar, arrival);
      lastControl = doneSoFar;
      ordered.push(`${doneSoFar} w${item.wm}`);
      unordered.push(`${doneSoFar} w${item.wm}`);
    }
  });
  return { starts, ordered, unordered };
}

/** Runs the items through keyedProcess in virtual time; returns call starts and `frame token` per output element. */
function run(items: readonly Item[], order: 'ordered' | 'unordered') {
  const starts: string[] = [];
  const output: string[] = [];
  const running = new Set<string>();
  let overlap = false;
  marbles((m) => {
    const { marble, values } = marbleOf(items);
    keyed(coldElements(m, marble, values) as Observable<Element<Job>>).pipe(
        keyedProcess<Job, string, number>(
          (job, ctx, out) => {
            if (running.has(ctx.key)) overlap = true;
            running.add(ctx.key);
            starts.push(`${job.id}@${m.scheduler.now()}`);
            return timer(job.delay, m.scheduler).pipe(
              tap(() => {
                running.delete(ctx.key);
                out.collect(job.id);
              }),
            );
          },
          { order, scheduler: m.scheduler },
        ),
      )
      .subscribe((e) => {
        if (e.kind === 'batch') for (const id of e.values) output.push(`${m.scheduler.now()} r${id}`);
        else if (e.kind === 'watermark') output.push(`${m.scheduler.now()} w${e.timestamp}`);
      });
  })();
  return { starts: starts.sort(byId), output, overlap };
}

const byId = (a: string, b: string) => Number(a.split('@')[0]) - Number(b.split('@')[0]);

/** Each record between the same two watermarks as in the input. */
function segments(tokens: readonly string[]): Map<string, number> {
  const seg = new Map<string, number>();
  let n = 0;
  for (const t of tokens) {
    const token = t.split(' ')[1];
    if (token.startsWith('w')) n++;
    else seg.set(token, n);
  }
  return seg;
}

describe('keyedProcess with scheduler-driven Observables and random delays (fast-check, virtual time)', () => {
  it('ordered: calls start exactly as the per-key schedule says, and each element comes out at the frame and in the order the reference gives', () => {
    fc.assert(
      fc.property(itemsArb, (items) => {
        const { frames } = marbleOf(items);
        const expected = reference(items, frames);
        const actual = run(items, 'ordered');
        expect(actual.overlap).toBe(false);
        expect(actual.starts).toEqual([...expected.starts].sort(byId));
        expect(actual.output).toEqual(expected.ordered);
      }),
      { numRuns: 300 },
    );
  });

  it('unordered: same starts; each element at the reference frame, per-key order kept, no record across a watermark', () => {
    fc.assert(
      fc.property(itemsArb, (items) => {
        const { frames } = marbleOf(items);
        const expected = reference(items, frames);
        const actual = run(items, 'unordered');
        expect(actual.overlap).toBe(false);
        expect(actual.starts).toEqual([...expected.starts].sort(byId));
        // frames: the same multiset of (frame, element)
        expect([...actual.output].sort()).toEqual([...expected.unordered].sort());
        // watermarks in input order, each record between the same watermarks as in the input
        expect(actual.output.filter((t) => t.includes(' w'))).toEqual(expected.unordered.filter((t) => t.includes(' w')));
        expect(segments(actual.output)).toEqual(segments(expected.ordered));
        // per-key order
        for (const key of ['a', 'b', 'c']) {
          const ids = items.flatMap((i) => ('job' in i && i.job.key === key ? [`r${i.job.id}`] : []));
          expect(actual.output.map((t) => t.split(' ')[1]).filter((t) => ids.includes(t))).toEqual(ids);
        }
      }),
      { numRuns: 300 },
    );
  });
});
