import type { Observable } from 'rxjs';
import type { Element } from '../core/Element';
import { values } from './values';

/**
 * The values of an element stream as a plain Observable (`source.pipe(values())`).
 *
 * ```
 * input:   -[a b]--W--[c]-E|
 * output:  -ab--------c----|
 * ```
 *
 * @example
 * toObservable(fromCollection([1, 2])).subscribe(console.log); // 1, 2
 */
export function toObservable<T>(source: Observable<Element<T>>): Observable<T> {
  return source.pipe(values<T>());
}
