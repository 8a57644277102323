import { configure } from 'rxjs-marbles/jest';
import { countWindow, keyBy, MAX_WATERMARK, processWindow, window } from '../../src';
import { coldElements, expectElements, rec } from '../../src/testing';

const { marbles } = configure({ run: true });

/** Joins a pane's records: 'abc'. Results of count windows carry the global window's end − 1, the maximum watermark. */
const joined = processWindow<string, string, string>((records, _ctx, out) => out.collect(records.join('')));
const res = (s: string) => rec(s, MAX_WATERMARK);

describe('window: count windows', () => {
  it(
    'countWindow(3) emits every 3 records of a key, and the rest at end of input',
    marbles((m) => {
      const input = coldElements(m, '-a-b-c-d-e-f-g-|', { a: 'a', b: 'b', c: 'c', d: 'd', e: 'e', f: 'f', g: 'g' });
      const expected = '             -----x-----y---(zE|)';
      expectElements(m, input.pipe(keyBy(() => 'k'), window(countWindow(3)), joined), expected, {
        x: res('abc'),
        y: res('def'),
        z: res('g'),
      });
    }),
  );

  it(
    'countWindow(3, 1) emits the last 3 records of a key at every record',
    marbles((m) => {
      const input = coldElements(m, '-a-b-c-d-|', { a: 'a', b: 'b', c: 'c', d: 'd' });
      const expected = '             -p-q-r-s-(E|)';
      expectElements(m, input.pipe(keyBy(() => 'k'), window(countWindow(3, 1)), joined), expected, {
        p: res('a'),
        q: res('ab'),
        r: res('abc'),
        s: res('bcd'),
      });
    }),
  );

  it(
    'counts per key',
    marbles((m) => {
      const input = coldElements(m, '-a-b-c-d-e-|', { a: 'x1', b: 'y1', c: 'x2', d: 'y2', e: 'x3' });
      const expected = '             -----p-q---(rE|)';
      expectElements(m, input.pipe(keyBy((s: string) => s[0]), window(countWindow(2)), joined), expected, {
        p: res('x1x2'),
        q: res('y1y2'),
        r: res('x3'),
      });
    }),
  );
});
