import { keepResident } from '../core/resident';
import { canonicalKey, type CanonicalKey } from './canonicalKey';

/**
 * @internal
 * Maps keys to dense integer ids (0, 1, 2, … in first-seen order), so keyed
 * operators keep per-key state in arrays and typed columns instead of maps of
 * objects. Primitive keys are looked up as they are; composite keys by their
 * canonical string. The first key object seen for an id is the one reported.
 */
export class KeyInterner<K> {
  private readonly ids = new Map<CanonicalKey, number>();
  private readonly keys: K[] = [];

  /** The number of distinct keys interned. */
  get size(): number {
    return this.keys.length;
  }

  /** The id of `key`, assigning the next id when it is new. */
  intern(key: K): number {
    const lookup = needsCanonical(key) ? canonicalKey(key) : (key as unknown as CanonicalKey);
    let id = this.ids.get(lookup);
    if (id === undefined) {
      id = this.keys.length;
      this.ids.set(lookup, id);
      this.keys.push(key);
    }
    return id;
  }

  /** The id of `key`, or -1 when it was never interned. */
  find(key: K): number {
    const lookup = needsCanonical(key) ? canonicalKey(key) : (key as unknown as CanonicalKey);
    return this.ids.get(lookup) ?? -1;
  }

  /** The key with id `id`. */
  keyOf(id: number): K {
    return this.keys[id];
  }

  /**
   * The keys by id, without a copy. The list only grows (ids are never reused
   * or reassigned), so its first `size` entries as of now never change: a
   * snapshot may keep the list and the size, and read them later.
   */
  keyList(): readonly K[] {
    return this.keys;
  }
}

/** Primitive keys are their own canonical form, except strings starting with NUL and -0. */
const needsCanonical = (key: unknown): boolean =>
  typeof key === 'object' || (typeof key === 'string' && key.charCodeAt(0) === 0);

// The hidden class of the interner stays alive between pipelines (see keepResident).
keepResident(KeyInterner, () => new KeyInterner<unknown>());
