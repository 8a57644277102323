import type { Observable } from 'rxjs';
import type { Element } from '../core/Element';
import { InvalidElementError } from '../core/errors';

/**
 * Runs an element stream to completion and resolves with every record's value,
 * in order. Rejects with the stream's error.
 *
 * It's like RxJS's `lastValueFrom(source.pipe(toArray()))` for element streams.
 *
 * ```
 * input:   -[a b]--W--[c]-E|
 * promise:                  ⇒ [a, b, c]
 * ```
 *
 * @example
 * await collect(fromCollection([1, 2, 3])); // [1, 2, 3]
 */
export function collect<T>(source: Observable<Element<T>>): Promise<T[]> {
  return new Promise<T[]>((resolve, reject) => {
    const result: T[] = [];
    source.subscribe({
      next(e) {
        if (e?.kind === 'batch') {
          const vs = e.values;
          for (let i = 0; i < vs.length; i++) result.push(vs[i]);
        } else if (e?.kind !== 'watermark' && e?.kind !== 'barrier' && e?.kind !== 'end' && e?.kind !== 'idle' && e?.kind !== 'side') {
          reject(new InvalidElementError('collect', e));
        }
      },
      error: reject,
      complete: () => resolve(result),
    });
  });
}
