import { Observable, type OperatorFunction } from 'rxjs';
import type { Element } from '../core/Element';
import type { FlatElement, FlatKind } from './FlatElement';
import { toFlat } from './toFlat';

/** Options of {@link flatten}. */
export interface FlattenOptions {
  /** Kinds of element to leave out of the flat stream (e.g. `['idle']` when a test does not care). */
  readonly omit?: readonly FlatKind[];
}

/**
 * Turns an element stream into its flat form for marble assertions: each record
 * becomes its own `{ value, timestamp }` notification (`key` added on keyed
 * streams), each control element one `{ watermark }`, `{ barrier }`, `{ idle }`
 * or `{ end: true }` notification, each side-output record `{ side, value, timestamp }`.
 *
 * It's like RxJS's `mergeMap(batch => batch.values)`, but keeps control elements
 * in order with the records and emits everything in the same frame, so an
 * assertion holds whatever the batch boundaries: `[x y]` and `[x][y]` both read
 * `(xy)`. Completion and errors pass through; nothing is scheduled.
 *
 * In run mode a group takes as many frames as it has characters (`(xy)` is 4):
 * leave that room in the input diagram before the next element.
 *
 * ```
 * input:   -[x@1 y@2]---W5---[z@7]E|
 * output:  -(xy)--------W----(zE|)       x = {value: 'x', timestamp: 1}, W = {watermark: 5}
 * ```
 *
 * @example
 * m.expect(fromValues()(m.cold('-a-|', { a: 'x' })).pipe(flatten()))
 *   .toBeObservable('-a-(ME|)', flatOf({ a: rec('x'), M: wm(MAX_WATERMARK) }));
 * @param options kinds of element to leave out.
 * @returns an operator from `Element<T>` to {@link FlatElement}.
 */
export function flatten<T>(options: FlattenOptions = {}): OperatorFunction<Element<T>, FlatElement<T>> {
  const omit = options.omit ?? [];
  return (source) =>
    new Observable<FlatElement<T>>((subscriber) =>
      source.subscribe({
        next(e) {
          let flat: FlatElement<T>[];
          try {
            flat = toFlat(e, omit);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          for (let i = 0; i < flat.length && !subscriber.closed; i++) subscriber.next(flat[i]);
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
