import type { Observable } from 'rxjs';
import type { Element } from '../core/Element';
import { fromValues, type FromValuesOptions } from './fromValues';

/**
 * A source over a plain Observable: a batch of one per value by default, or
 * micro-batches by size and time on the processing-time scheduler. Completion
 * ends the input (maximum watermark, then end of input).
 *
 * It's `source$.pipe(fromValues(options))`, as a source.
 *
 * ```
 * source$: -a--b--c|
 * output:  -a--b--c W(max)|
 * ```
 *
 * A plain Observable cannot rewind: a pipeline that asks for exactly-once
 * recovery refuses it.
 *
 * @example
 * const result = await StreamLite.fromObservable(of(1, 2, 3)).map(n => n * 2).collect(); // [2, 4, 6]
 */
export function fromObservable<T>(source: Observable<T>, options: FromValuesOptions<T> = {}): Observable<Element<T>> {
  return source.pipe(fromValues(options));
}
