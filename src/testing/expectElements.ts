import type { Observable } from 'rxjs';
import type { Element } from '../core/Element';
import type { MarbleValues } from './MarbleValues';
import type { FlatElement } from './FlatElement';
import { flatOf } from './flatOf';
import { flatten, type FlattenOptions } from './flatten';
import type { MarbleExpectContext } from './MarbleContext';

/**
 * Asserts an element stream against a marble diagram in flat form:
 * `m.expect(actual.pipe(flatten(options))).toBeObservable(marble, flatOf(values))`.
 *
 * It's the one-line assertion of a marble spec: records are compared one by one
 * (value, timestamp, key), so the assertion does not depend on batch boundaries;
 * records of one batch share a frame and are written as a group `(xy)`.
 *
 * ```
 * actual:   -[x@1 y@2]--W5--END|
 * expected: -(xy)-------W---(E|)
 * ```
 *
 * @example
 * expectElements(m, input.pipe(filter(n => n > 1)), '---b-W-(E|)', { b: rec(2, 2), W: wm(5) });
 * @param m the marble context (rxjs-marbles `m`, or `TestScheduler.run` helpers).
 * @param actual the element stream under test.
 * @param marble the expected diagram.
 * @param values letter → expected element or record value (see {@link flatOf}).
 * @param options `omit`: kinds of element to leave out of the comparison; `error`: the expected error for `#`.
 */
export function expectElements<T>(
  m: MarbleExpectContext,
  actual: Observable<Element<T>>,
  marble: string,
  values: MarbleValues<NoInfer<T>> = {},
  options: FlattenOptions & { readonly error?: unknown } = {},
): void {
  const flat: Observable<FlatElement<T>> = actual.pipe(flatten<T>(options));
  const expected = flatOf<MarbleValues<T>>(values) as { [letter: string]: FlatElement<T> };
  if ('expect' in m) m.expect(flat).toBeObservable(marble, expected, options.error);
  else m.expectObservable(flat).toBe(marble, expected, options.error);
}
