/**
 * Structural key equality written independently of the engine's canonical
 * keys: primitives by `Object.is` (with 0 and -0 equal), arrays element by
 * element, plain objects by the same field set with equal fields, whatever
 * the field order.
 */
export function sameKey(a: unknown, b: unknown): boolean {
  if (typeof a !== typeof b) return false;
  if (typeof a !== 'object' || a === null || b === null) return a === b || Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bs = b as unknown[];
    return a.length === bs.length && a.every((x, i) => sameKey(x, bs[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const af = Object.keys(ao);
  const bf = Object.keys(bo);
  return af.length === bf.length && af.every((f) => Object.prototype.hasOwnProperty.call(bo, f) && sameKey(ao[f], bo[f]));
}
