import { configure } from 'rxjs-marbles/jest';
import {
  aggregate,
  continuousEventTimeTrigger,
  count,
  countTrigger,
  keyBy,
  tumbling,
  window,
  type AccumulationMode,
  type PaneTiming,
  type Trigger,
  type WindowResult,
} from '../../src';
import { coldElements, expectElements, rec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

const res = (start: number, end: number, value: number, timing: PaneTiming, index: number, isLast = false) =>
  rec<WindowResult<string, number>>({ key: 'k', start, end, value, pane: { timing, index, isLast }, retraction: false }, end - 1);

describe('window: discarding and accumulating panes', () => {
  const counted = (accumulation: AccumulationMode, trigger: Trigger) => [keyBy(() => 'k'), window(tumbling(100), { trigger, accumulation }), aggregate(count())] as const;

  describe('with a count trigger (countTrigger(2) in [0, 100))', () => {
    // Fires at b and d; e is left when W99 closes the window: it goes out in a final pane,
    // ON_TIME (the watermark reached end − 1), the last one.
    const values = { a: rec('a', 1), b: rec('b', 2), c: rec('c', 3), d: rec('d', 4), e: rec('e', 5), W: wm(99) };
    const diagram = ' -a-b-c-d-e-W----|';
    const expected = '---x---y---(zW)-(E|)';

    it(
      'accumulating: each pane holds everything so far',
      marbles((m) => {
        const [k, w, a] = counted('accumulating', countTrigger(2));
        expectElements(m, coldElements(m, diagram, values).pipe(k, w, a), expected, {
          x: res(0, 100, 2, 'EARLY', 0),
          y: res(0, 100, 4, 'EARLY', 1),
          z: res(0, 100, 5, 'ON_TIME', 2, true),
          W: wm(99),
        });
      }),
    );

    it(
      'discarding: each pane holds only what arrived since the previous one',
      marbles((m) => {
        const [k, w, a] = counted('discarding', countTrigger(2));
        expectElements(m, coldElements(m, diagram, values).pipe(k, w, a), expected, {
          x: res(0, 100, 2, 'EARLY', 0),
          y: res(0, 100, 2, 'EARLY', 1),
          z: res(0, 100, 1, 'ON_TIME', 2, true),
          W: wm(99),
        });
      }),
    );
  });

  describe('with a continuous trigger (continuousEventTimeTrigger(5) in [0, 20))', () => {
    // Fires when the watermark reaches 5 and 10 (EARLY), and 19 (ON_TIME).
    const values = { a: rec('a', 1), b: rec('b', 3), V: wm(5), c: rec('c', 7), W: wm(12), d: rec('d', 15), X: wm(19) };
    const diagram = ' -a-b-V----c-W----d-X----|';
    const expected = '-----(xV)---(yW)---(zX)-(E|)';

    it(
      'accumulating',
      marbles((m) => {
        const input = coldElements(m, diagram, values);
        const out = input.pipe(keyBy(() => 'k'), window(tumbling(20), { trigger: continuousEventTimeTrigger(5) }), aggregate(count()));
        expectElements(m, out, expected, {
          x: res(0, 20, 2, 'EARLY', 0),
          V: wm(5),
          y: res(0, 20, 3, 'EARLY', 1),
          W: wm(12),
          z: res(0, 20, 4, 'ON_TIME', 2, true),
          X: wm(19),
        });
      }),
    );

    it(
      'discarding',
      marbles((m) => {
        const input = coldElements(m, diagram, values);
        const options = { trigger: continuousEventTimeTrigger(5), accumulation: 'discarding' as const };
        const out = input.pipe(keyBy(() => 'k'), window(tumbling(20), options), aggregate(count()));
        expectElements(m, out, expected, {
          x: res(0, 20, 2, 'EARLY', 0),
          V: wm(5),
          y: res(0, 20, 1, 'EARLY', 1),
          W: wm(12),
          z: res(0, 20, 1, 'ON_TIME', 2, true),
          X: wm(19),
        });
      }),
    );
  });
});
