import type { Observable, Subscription } from 'rxjs';
import type { Element } from '../core/Element';
import { UserFunctionError } from '../core/errors';

/**
 * Runs an element stream to completion, calling `fn` with every record's value
 * and event timestamp. Resolves on completion; rejects with the stream's error,
 * or with a {@link UserFunctionError} (and unsubscribes) when `fn` throws.
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
  return new Promise<void>((resolve, reject) => {
    let stopped = false;
    let subscription: Subscription | undefined = undefined;
    subscription = source.subscribe({
      next(e) {
        if (stopped || e?.kind !== 'batch') return;
        const { values, timestamps } = e;
        for (let i = 0; i < values.length; i++) {
          try {
            fn(values[i], timestamps[i]);
          } catch (err) {
            stopped = true;
            reject(new UserFunctionError('forEach', { value: values[i], timestamp: timestamps[i] }, err));
            subscription?.unsubscribe();
            return;
          }
        }
      },
      error: reject,
      complete: () => resolve(),
    });
    // A synchronous source has finished by now; an asynchronous one is stopped here.
    if (stopped) subscription.unsubscribe();
  });
}
