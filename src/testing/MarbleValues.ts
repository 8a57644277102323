import type { ControlElement, Element, RecordBatch, SideOutputBatch } from '../core/Element';

/**
 * A marble values map: a letter → an element, or (for lowercase letters and
 * digits) a bare record value, shorthand for `rec(value)`.
 */
export type MarbleValues<T> = { readonly [letter: string]: Element<T> | T };

/**
 * The record type of a values map: `T` of its record batches, and the bare
 * values themselves; control elements and side outputs add nothing.
 *
 * ```
 * { a: rec('x', 1), b: 'y', W: wm(5) }  →  string
 * ```
 */
export type RecordTypeOf<V> = {
  [L in keyof V]: V[L] extends RecordBatch<infer T> ? T : V[L] extends SideOutputBatch | ControlElement ? never : V[L];
}[keyof V];
