import { of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  END_OF_INPUT,
  idle,
  InvalidArgumentError,
  InvalidElementError,
  map,
  MAX_WATERMARK,
  NO_TIMESTAMP,
  OutputTag,
  recordBatch,
  type Element,
} from '../src';
import {
  bar,
  batchOf,
  coldElements,
  elementsOf,
  expectElements,
  flatOf,
  flatten,
  hotElements,
  rec,
  sideRec,
  toFlat,
  wm,
} from '../src/testing';

const newScheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toStrictEqual(expected));

describe('streamlite-rx/testing', () => {
  describe('element factories', () => {
    it('rec builds a one-record batch, with or without timestamp and key', () => {
      expect(rec('x')).toEqual({ kind: 'batch', values: ['x'], timestamps: [NO_TIMESTAMP] });
      expect(rec('x', 5)).toEqual({ kind: 'batch', values: ['x'], timestamps: [5] });
      expect(rec('x', 5, 'k')).toEqual({ kind: 'batch', values: ['x'], timestamps: [5], keys: ['k'] });
      expect(() => rec('x', NaN)).toThrow(InvalidArgumentError);
    });

    it('batchOf builds one batch of several records, keyed only when every record has a key', () => {
      expect(batchOf(['x', 1], ['y'])).toEqual({ kind: 'batch', values: ['x', 'y'], timestamps: [1, NO_TIMESTAMP] });
      expect(batchOf(['x', 1, 'a'], ['y', 2, 'b']).keys).toEqual(['a', 'b']);
      expect(batchOf(['x', 1, 'a'], ['y', 2]).keys).toBeUndefined();
      expect(() => batchOf(['x', Infinity])).toThrow(/timestamp/);
    });

    it('wm, bar and sideRec build control elements and side outputs', () => {
      expect(wm(5)).toEqual({ kind: 'watermark', timestamp: 5 });
      expect(() => wm(Infinity)).toThrow(InvalidArgumentError);
      expect(bar(3)).toEqual({ kind: 'barrier', checkpointId: 3, triggeredAt: 0, savepoint: false });
      expect(bar(3, true).savepoint).toBe(true);
      expect(() => bar(1.5)).toThrow(InvalidArgumentError);
      const tag = new OutputTag<number>('late');
      expect(sideRec(tag, 7, 2)).toEqual({ kind: 'side', tag, batch: rec(7, 2) });
    });
  });

  describe('values maps', () => {
    it('elementsOf keeps elements, wraps bare values under lowercase letters and digits, adds E', () => {
      const values = elementsOf({ a: rec('x', 1), b: 'y', 1: 'z', W: wm(5), I: idle(true) });
      expect(values).toEqual({ a: rec('x', 1), b: rec('y'), 1: rec('z'), W: wm(5), I: idle(true), E: END_OF_INPUT });
      expect(elementsOf({ E: wm(1) }).E).toEqual(wm(1));
    });

    it('elementsOf refuses a bare value under an uppercase letter', () => {
      expect(() => elementsOf({ W: 5 })).toThrow(/values\.W/);
    });

    it('flatOf gives the flat form of each letter, with E as end of input', () => {
      const tag = new OutputTag<number>('neg');
      expect(
        flatOf({ a: rec('x', 1), b: 'y', k: rec('z', 2, 'key'), W: wm(5), B: bar(2), S: bar(3, true), I: idle(false), n: sideRec(tag, -1, 4) }),
      ).toEqual({
        a: { value: 'x', timestamp: 1 },
        b: { value: 'y' },
        k: { value: 'z', timestamp: 2, key: 'key' },
        W: { watermark: 5 },
        B: { barrier: 2 },
        S: { barrier: 3, savepoint: true },
        I: { idle: false },
        n: { side: 'neg', value: -1, timestamp: 4 },
        E: { end: true },
      });
    });

    it('flatOf refuses a letter that stands for several notifications', () => {
      expect(() => flatOf({ a: batchOf(['x'], ['y']) })).toThrow(/exactly one/);
      expect(() => flatOf({ W: 'x' })).toThrow(/values\.W/);
    });
  });

  describe('flat form', () => {
    it('toFlat flattens a batch into records and leaves out omitted kinds', () => {
      expect(toFlat(batchOf(['x', 1], ['y', 2]))).toEqual([
        { value: 'x', timestamp: 1 },
        { value: 'y', timestamp: 2 },
      ]);
      expect(toFlat(recordBatch([], []))).toEqual([]);
      expect(toFlat(wm(3), ['watermark'])).toEqual([]);
      expect(toFlat(END_OF_INPUT)).toEqual([{ end: true }]);
      expect(() => toFlat('x' as unknown as Element<string>)).toThrow(InvalidElementError);
    });

    it('flatten gives the same notifications whatever the batch boundaries', () => {
      newScheduler().run(({ cold, expectObservable }) => {
        const oneBatch = cold<Element<string>>('-a---W-|', { a: batchOf(['x', 1], ['y', 2]), W: wm(2) });
        const twoBatches = cold<Element<string>>('-(ab)W-|', { a: rec('x', 1), b: rec('y', 2), W: wm(2) });
        const expected = flatOf({ x: rec('x', 1), y: rec('y', 2), W: wm(2) });
        expectObservable(oneBatch.pipe(flatten())).toBe('-(xy)W-|', expected);
        expectObservable(twoBatches.pipe(flatten())).toBe('-(xy)W-|', expected);
      });
    });

    it('flatten errors on something that is not an element', () => {
      newScheduler().run(({ cold, expectObservable }) => {
        const bad = cold<Element<string>>('-a-|', { a: 'oops' as unknown as Element<string> });
        expectObservable(bad.pipe(flatten())).toBe('-#', undefined, new InvalidElementError('toFlat', 'oops'));
      });
    });

    it('flatten can leave out kinds a test does not care about', () => {
      newScheduler().run(({ cold, expectObservable }) => {
        const input = cold<Element<string>>('-aIW-E|', elementsOf({ a: 'x', I: idle(true), W: wm(1) }));
        expectObservable(input.pipe(flatten({ omit: ['idle', 'end'] }))).toBe('-a-W--|', flatOf({ a: 'x', W: wm(1) }));
      });
    });
  });

  describe('marble context helpers', () => {
    it('work with the RunHelpers of TestScheduler.run', () => {
      newScheduler().run((helpers) => {
        const input = coldElements(helpers, '-a-W-|', { a: rec(1, 1), W: wm(1) });
        expectElements(helpers, input.pipe(map((n: number) => n + 1)), '-a-W-(E|)', { a: rec(2, 1), W: wm(1) });
      });
    });

    it('hotElements only delivers what comes after the subscription', () => {
      newScheduler().run((helpers) => {
        const input = hotElements(helpers, '-a-^-b--W-|', { a: 'x', b: 'y', W: wm(5) });
        expectElements(helpers, input, '--b--W-|', { b: 'y', W: wm(5) });
      });
    });

    it('expectElements can expect an error and leave kinds out', () => {
      newScheduler().run((helpers) => {
        const err = new Error('boom');
        const input = coldElements(helpers, '-a-M-#', { a: 'x', M: wm(MAX_WATERMARK) }, err);
        expectElements(helpers, input, '-a---#', { a: 'x' }, { omit: ['watermark'], error: err });
      });
    });

    it('infers the record type of a values map', () => {
      newScheduler().run((helpers) => {
        const input = coldElements(helpers, '-a-b-W-|', { a: rec(1, 1), b: 2, W: wm(3) });
        const doubled = input.pipe(map((n: number) => n * 2));
        expectElements(helpers, doubled, '-a-b-W-(E|)', { a: rec(2, 1), b: 4, W: wm(3) });
      });
    });
  });

  it('needs no scheduler for a synchronous stream', () => {
    const seen: unknown[] = [];
    of(rec('x', 1) as Element<string>, wm(1)).pipe(flatten()).subscribe((f) => seen.push(f));
    expect(seen).toEqual([{ value: 'x', timestamp: 1 }, { watermark: 1 }]);
  });
});
