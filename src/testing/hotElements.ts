import type { Observable } from 'rxjs';
import type { Element } from '../core/Element';
import { elementsOf } from './elementsOf';
import type { MarbleValues, RecordTypeOf } from './MarbleValues';
import type { MarbleContext } from './MarbleContext';

/**
 * A hot element stream from a marble diagram: `m.hot(marble, elementsOf(values))`.
 *
 * It's rxjs-marbles' `m.hot`, with the kit's values convention (see
 * {@link coldElements}): it runs on the test's clock whether subscribed or not,
 * `^` marks the subscription frame, and a late subscriber misses what came before.
 *
 * ```
 * marble:  -a-^-b--W-|     the subscriber sees b, W, completion
 * ```
 *
 * @example
 * const input = hotElements(m, '-a-^-b--W-|', { a: 'x', b: 'y', W: wm(5) });
 * m.expect(input.pipe(flatten())).toBeObservable('--b--W-(E|)', flatOf({ b: 'y', W: wm(5) }));
 * @param m the marble context (rxjs-marbles `m`, or `TestScheduler.run` helpers).
 * @param marble the diagram.
 * @param values letter → element or record value (see {@link elementsOf}).
 * @param error the value of `#`.
 */
export function hotElements<V extends MarbleValues<unknown> = {}>(
  m: MarbleContext,
  marble: string,
  values?: V,
  error?: unknown,
): Observable<Element<RecordTypeOf<V>>> {
  return m.hot(marble, elementsOf<MarbleValues<unknown>>(values ?? {}), error) as Observable<Element<RecordTypeOf<V>>>;
}
