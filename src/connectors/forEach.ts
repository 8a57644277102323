import { Subscription, type Observable } from 'rxjs';
import type { Element } from '../core/Element';
import { InvalidArgumentError, InvalidElementError, UserFunctionError } from '../core/errors';
import { subscribeLinked } from '../operators/operate';

/**
 * Runs an element stream to completion, calling `fn` with every record's value
 * and event timestamp. Resolves on completion; rejects with the stream's error,
 * with a {@link UserFunctionError} (and unsubscribes) when `fn` throws, or with
 * an {@link InvalidElementError} when something that is not an element arrives.
 *
 * ```
 * input:   -[a b]--W--[c]-E|
 * fn:      -a b-------c----|   ⇒ resolves
 * ```
 *
 * @example
 * await forEach(fromCollection(['x', 'y']), v => console.log(v));
 */
export function forEach<T>(source: Observable<Element<T>>, fn: (value: T, timestamp: number) => void): Promise<void> {
  if (typeof fn !== 'function') throw new InvalidArgumentError('forEach', 'fn', 'a function', fn);
  return new Promise<void>((resolve, reject) => {
    // Unsubscribing `stop` stops the source, even a synchronous one still in its loop.
    const stop = new Subscription();
    const fail = (err: unknown): void => {
      reject(err);
      stop.unsubscribe();
    };
    subscribeLinked(source, stop, {
      next(e) {
        if (e?.kind !== 'batch') {
          if (e?.kind === 'watermark' || e?.kind === 'barrier' || e?.kind === 'end' || e?.kind === 'idle' || e?.kind === 'side') return;
          fail(new InvalidElementError('forEach', e));
          return;
        }
        const { values, timestamps } = e;
        for (let i = 0; i < values.length; i++) {
          try {
            fn(values[i], timestamps[i]);
          } catch (err) {
            fail(new UserFunctionError('forEach', { value: values[i], timestamp: timestamps[i] }, err));
            return;
          }
        }
      },
      error: reject,
      complete: () => resolve(),
    });
  });
}
