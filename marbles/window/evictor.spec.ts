import { configure } from 'rxjs-marbles/jest';
import { countEvictor, countTrigger, keyBy, processWindow, timeEvictor, tumbling, window, type WindowOptions } from '../../src';
import { coldElements, expectElements, rec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

/** What the window function saw: the pane's records joined, 'abc', stamped end − 1. */
const joined = processWindow<string, string, string>((records, _ctx, out) => out.collect(records.join('')));

describe('window: evictors', () => {
  const sixRecords = { a: rec('a', 1), b: rec('b', 2), c: rec('c', 3), d: rec('d', 4), e: rec('e', 5), f: rec('f', 6) };

  it(
    'countEvictor(2) before the function: it sees only the last 2 records of the window',
    marbles((m) => {
      // countTrigger(3) fires at c and f; the window keeps what the evictor left: [b c], then [b c d e f] → [e f].
      const input = coldElements(m, '-a-b-c-d-e-f-|', sixRecords);
      const expected = '             -----x-----y-(E|)';
      const options: WindowOptions<string> = { trigger: countTrigger(3), evictor: countEvictor(2) };
      expectElements(m, input.pipe(keyBy(() => 'k'), window(tumbling(100), options), joined), expected, {
        x: rec('bc', 99),
        y: rec('ef', 99),
      });
    }),
  );

  it(
    'countEvictor(2, { after: true }): the function sees everything, then the window keeps the last 2',
    marbles((m) => {
      const input = coldElements(m, '-a-b-c-d-e-f-|', sixRecords);
      const expected = '             -----x-----y-(E|)';
      const options: WindowOptions<string> = { trigger: countTrigger(3), evictor: countEvictor(2, { after: true }) };
      expectElements(m, input.pipe(keyBy(() => 'k'), window(tumbling(100), options), joined), expected, {
        x: rec('abc', 99),
        y: rec('bcdef', 99),
      });
    }),
  );

  it(
    'timeEvictor(5): before the function it keeps the records within 5 ms of the newest; after, the function sees all',
    marbles((m) => {
      const values = { a: rec('a', 1), b: rec('b', 4), c: rec('c', 8), W: wm(9) };
      const diagram = ' -a-b-c-W-----|';
      const expected = '-------(xW)--(E|)';
      const before = coldElements(m, diagram, values);
      expectElements(m, before.pipe(keyBy(() => 'k'), window(tumbling(10), { evictor: timeEvictor<string>(5) }), joined), expected, {
        x: rec('bc', 9),
        W: wm(9),
      });
      const after = coldElements(m, diagram, values);
      expectElements(m, after.pipe(keyBy(() => 'k'), window(tumbling(10), { evictor: timeEvictor<string>(5, { after: true }) }), joined), expected, {
        x: rec('abc', 9),
        W: wm(9),
      });
    }),
  );
});
