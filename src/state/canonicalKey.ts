/**
 * Keys and their canonical form.
 *
 * A key is a string, a finite number, a bigint, a boolean, or an array or plain
 * object whose leaves are those. Primitive keys are their own canonical form
 * (so a `Map` finds them without any work); composite keys canonicalize to a
 * string with sorted object fields, prefixed by a NUL character and a tag so
 * that it never equals a user's string key (strings that themselves start
 * with NUL are escaped the same way).
 */

/** @internal Why `key` is not a valid key, or `undefined` when it is valid. */
export function invalidKeyReason(key: unknown, depth = 0): string | undefined {
  switch (typeof key) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return undefined;
    case 'number':
      return Number.isFinite(key) ? undefined : 'numbers must be finite';
    case 'undefined':
      return 'undefined is not a key';
    case 'function':
      return 'functions are not keys';
    case 'symbol':
      return 'symbols are not keys';
    case 'object': {
      if (key === null) return 'null is not a key';
      if (depth > 32) return 'nested too deeply';
      if (Array.isArray(key)) {
        for (const item of key) {
          const reason = invalidKeyReason(item, depth + 1);
          if (reason !== undefined) return reason;
        }
        return undefined;
      }
      const proto: unknown = Object.getPrototypeOf(key);
      if (proto !== Object.prototype && proto !== null) return 'only plain objects and arrays are composite keys';
      for (const field of Object.keys(key)) {
        const reason = invalidKeyReason((key as Record<string, unknown>)[field], depth + 1);
        if (reason !== undefined) return reason;
      }
      return undefined;
    }
    default:
      return 'unsupported type';
  }
}

/** @internal The structural text of a key (composite keys' canonical form without its prefix; also hashed for key groups). */
export function encodeKey(key: unknown): string {
  switch (typeof key) {
    case 'string':
      return JSON.stringify(key);
    case 'number':
      return Object.is(key, -0) ? '0' : String(key);
    case 'bigint':
      return `${key}n`;
    case 'boolean':
      return key ? 'true' : 'false';
    default: {
      if (Array.isArray(key)) return `[${key.map(encodeKey).join(',')}]`;
      const obj = key as Record<string, unknown>;
      const fields = Object.keys(obj).sort();
      return `{${fields.map((f) => `${JSON.stringify(f)}:${encodeKey(obj[f])}`).join(',')}}`;
    }
  }
}

/** A key in canonical form: the primitive itself, or a string for composite keys. */
export type CanonicalKey = string | number | bigint | boolean;

/**
 * @internal
 * The canonical form of a valid key: equal keys (structurally, for arrays and
 * plain objects) have the same canonical form. `-0` and `0` are one key.
 */
export function canonicalKey(key: unknown): CanonicalKey {
  switch (typeof key) {
    case 'string':
      // A string that starts with NUL is escaped, so it never equals a composite key's form.
      return key.charCodeAt(0) === 0 ? `\u0000s${key}` : key;
    case 'bigint':
    case 'boolean':
      return key;
    case 'number':
      return key === 0 ? 0 : key;
    default:
      return `\u0000c${encodeKey(key)}`;
  }
}
