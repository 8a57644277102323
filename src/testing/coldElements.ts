import type { Observable } from 'rxjs';
import type { Element } from '../core/Element';
import { elementsOf } from './elementsOf';
import type { MarbleValues, RecordTypeOf } from './MarbleValues';
import type { MarbleContext } from './MarbleContext';

/**
 * A cold element stream from a marble diagram: `m.cold(marble, elementsOf(values))`.
 *
 * It's rxjs-marbles' `m.cold`, with the kit's values convention: lowercase
 * letters are records (a bare value becomes `rec(value)`), uppercase letters are
 * control elements, `E` is end of input, `|` completes. Each subscriber gets the
 * diagram from its own subscription frame, in virtual time.
 *
 * ```
 * marble:  -a--W--E|      a = rec('x', 1), W = wm(5)
 * stream:  -[x@1]--W5--END|
 * ```
 *
 * @example
 * const input = coldElements(m, '-a--W--|', { a: rec('x', 1), W: wm(5) });
 * m.expect(input.pipe(map(s => s.toUpperCase()), flatten()))
 *   .toBeObservable('-a--W--(E|)', flatOf({ a: rec('X', 1), W: wm(5) }));
 * @param m the marble context (rxjs-marbles `m`, or `TestScheduler.run` helpers).
 * @param marble the diagram.
 * @param values letter → element or record value (see {@link elementsOf}).
 * @param error the value of `#`.
 */
export function coldElements<V extends MarbleValues<unknown> = {}>(
  m: MarbleContext,
  marble: string,
  values?: V,
  error?: unknown,
): Observable<Element<RecordTypeOf<V>>> {
  return m.cold(marble, elementsOf<MarbleValues<unknown>>(values ?? {}), error) as Observable<Element<RecordTypeOf<V>>>;
}
