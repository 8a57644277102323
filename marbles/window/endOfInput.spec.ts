import { configure } from 'rxjs-marbles/jest';
import { aggregate, count, global, keyBy, MAX_WATERMARK, session, tumbling, window, type WindowResult } from '../../src';
import { coldElements, expectElements, rec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

const res = (key: string, start: number, end: number, value: number) =>
  rec<WindowResult<string, number>>({ key, start, end, value, pane: { timing: 'ON_TIME', index: 0, isLast: true }, retraction: false }, end - 1);

const byFirstLetter = keyBy((s: string) => s[0]);

describe('window: end of input', () => {
  it(
    'fires every pending window, in order of their ends, when the input completes',
    marbles((m) => {
      const input = coldElements(m, '-a-b-c-|', { a: rec('x1', 5), b: rec('y1', 12), c: rec('x2', 30) });
      const expected = '             -------(pqrE|)';
      expectElements(m, input.pipe(byFirstLetter, window(tumbling(10)), aggregate(count())), expected, {
        p: res('x', 0, 10, 1),
        q: res('y', 10, 20, 1),
        r: res('x', 30, 40, 1),
      });
    }),
  );

  it(
    'fires them before the maximum watermark that a source sends ahead of end of input',
    marbles((m) => {
      const input = coldElements(m, '-a-b-M------E|', { a: rec('x1', 5), b: rec('y1', 7), M: wm(MAX_WATERMARK) });
      const expected = '             -----(pqM)--E|';
      expectElements(m, input.pipe(byFirstLetter, window(session(5)), aggregate(count())), expected, {
        p: res('x', 5, 10, 1),
        q: res('y', 7, 12, 1),
        M: wm(MAX_WATERMARK),
      });
    }),
  );

  it(
    'fires the global window (its end − 1 is the maximum watermark)',
    marbles((m) => {
      const input = coldElements(m, '-a-b-a-|', { a: rec('x1', 1), b: rec('y1', 2) });
      const expected = '             -------(pqE|)';
      expectElements(m, input.pipe(byFirstLetter, window(global()), aggregate(count())), expected, {
        p: rec<WindowResult<string, number>>({ key: 'x', start: Number.MIN_SAFE_INTEGER, end: MAX_WATERMARK + 1, value: 2, pane: { timing: 'ON_TIME', index: 0, isLast: true }, retraction: false }, MAX_WATERMARK),
        q: rec<WindowResult<string, number>>({ key: 'y', start: Number.MIN_SAFE_INTEGER, end: MAX_WATERMARK + 1, value: 1, pane: { timing: 'ON_TIME', index: 0, isLast: true }, retraction: false }, MAX_WATERMARK),
      });
    }),
  );
});
