import { InvalidArgumentError } from '../core/errors';
import type { MarbleValues, RecordTypeOf } from './MarbleValues';
import { isElementLike, isUppercase } from './marbleValuesInternals';
import type { FlatElement } from './FlatElement';
import { rec } from './rec';
import { toFlat } from './toFlat';

/**
 * Builds the values map of an expected marble in the flat form that
 * {@link flatten} emits, from the same shorthands as {@link elementsOf}:
 * `rec('x', 1)` becomes `{ value: 'x', timestamp: 1 }`, `wm(5)` becomes
 * `{ watermark: 5 }`, and `E` is `{ end: true }` unless the map says otherwise.
 *
 * It's {@link elementsOf} for the output side: each letter must stand for one
 * notification, so a batch under a letter must hold exactly one record.
 *
 * ```
 * expected: -a--W-(ME|)     {a: rec('X', 1), W: wm(5), M: wm(MAX_WATERMARK)}
 * ```
 *
 * @example
 * flatOf({ a: rec('X', 1), b: 'Y', W: wm(5) });
 * // { a: { value: 'X', timestamp: 1 }, b: { value: 'Y' }, W: { watermark: 5 }, E: { end: true } }
 * @param values letter → element (of one notification), or letter → value for lowercase letters.
 * @returns letter → flat notification.
 * @throws InvalidArgumentError for a letter standing for zero or several notifications.
 */
export function flatOf<V extends MarbleValues<unknown>>(values: V): { [letter: string]: FlatElement<RecordTypeOf<V>> } {
  type T = RecordTypeOf<V>;
  const out: { [letter: string]: FlatElement<T> } = { E: { end: true } };
  for (const letter of Object.keys(values)) {
    const v = values[letter];
    let flat: FlatElement<T>[];
    if (isElementLike(v)) flat = toFlat(v as never);
    else if (!isUppercase(letter)) flat = toFlat(rec(v as T));
    else throw new InvalidArgumentError('flatOf', `values.${letter}`, 'an element for an uppercase letter', v);
    if (flat.length !== 1) {
      throw new InvalidArgumentError('flatOf', `values.${letter}`, 'an element of exactly one record or one control element', v);
    }
    out[letter] = flat[0];
  }
  return out;
}
