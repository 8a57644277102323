import { Observable, type OperatorFunction } from 'rxjs';
import type { Element } from '../core/Element';
import { InvalidElementError } from '../core/errors';
import { subscribeLinked } from '../operators/operate';

/**
 * Leaves the element stream: emits every record's value, one by one, in order.
 * Control elements (watermarks, barriers, end of input) and side outputs are
 * consumed (read side outputs with `sideOutput(tag)` first); completion and
 * errors pass through.
 *
 * It's the door back into plain RxJS, the inverse of {@link fromValues}.
 *
 * ```
 * input:   -[a b]--W--[c]-E|
 * output:  -ab--------c----|
 * ```
 *
 * @example
 * fromCollection([1, 2]).pipe(map(n => n + 1), values()).subscribe(console.log); // 2, 3
 */
export function values<T>(): OperatorFunction<Element<T>, T> {
  return (source) =>
    new Observable<T>((subscriber) =>
      subscribeLinked(source, subscriber, {
        next(e) {
          if (e?.kind === 'batch') {
            const vs = e.values;
            for (let i = 0; i < vs.length && !subscriber.closed; i++) subscriber.next(vs[i]);
          } else if (e?.kind !== 'watermark' && e?.kind !== 'barrier' && e?.kind !== 'end' && e?.kind !== 'idle' && e?.kind !== 'side') {
            subscriber.error(new InvalidElementError('values', e));
          }
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
