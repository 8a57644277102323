import type { Element } from '../core/Element';
import { END_OF_INPUT } from '../core/elementFactories';
import { InvalidArgumentError } from '../core/errors';
import { isElementLike, isUppercase } from './marbleValuesInternals';
import type { MarbleValues, RecordTypeOf } from './MarbleValues';
import { rec } from './rec';

/**
 * Builds the values map of an input marble, following the kit's convention:
 * lowercase letters are records, uppercase letters control elements, and `E`
 * is end of input unless the map says otherwise.
 *
 * It's the `values` argument of `m.cold()`/`m.hot()`, with the shorthands
 * filled in: a bare value under a lowercase letter becomes `rec(value)` (no
 * timestamp; digits count as lowercase); an element stays as it is; an uppercase letter that is not an
 * element is a mistake and throws at once.
 *
 * ```
 * marble:  -a-b-W-E|      {a: rec('x', 1), b: 'y', W: wm(5)}
 * meaning: -[x@1]-[y]-W5-END|
 * ```
 *
 * @example
 * const input = m.cold('-a-b-W-|', elementsOf({ a: rec('x', 1), b: 'y', W: wm(5) }));
 * // elementsOf(...).b → rec('y'); elementsOf(...).E → END_OF_INPUT
 * @param values letter → element, or letter → value for lowercase letters.
 * @returns letter → element, with `E` → END_OF_INPUT added when absent.
 * @throws InvalidArgumentError for an uppercase letter whose value is not an element.
 */
export function elementsOf<V extends MarbleValues<unknown>>(values: V): { [letter: string]: Element<RecordTypeOf<V>> } {
  type T = RecordTypeOf<V>;
  const out: { [letter: string]: Element<T> } = { E: END_OF_INPUT };
  for (const letter of Object.keys(values)) {
    const v = values[letter];
    if (isElementLike(v)) out[letter] = v as Element<T>;
    else if (!isUppercase(letter)) out[letter] = rec(v as T);
    else throw new InvalidArgumentError('elementsOf', `values.${letter}`, 'an element (wm(), bar(), idle(), …) for an uppercase letter', v);
  }
  return out;
}
