import type { Element } from '../core/Element';

const KINDS = new Set(['batch', 'watermark', 'barrier', 'idle', 'end', 'side']);

/** @internal True when `v` has the shape of an element. */
export function isElementLike(v: unknown): v is Element<unknown> {
  if (v === null || typeof v !== 'object') return false;
  const kind = (v as { kind?: unknown }).kind;
  if (typeof kind !== 'string' || !KINDS.has(kind)) return false;
  if (kind === 'batch') return Array.isArray((v as { values?: unknown }).values);
  return true;
}

/** @internal True for an uppercase marble letter (a control element by convention). */
export function isUppercase(letter: string): boolean {
  return letter !== letter.toLowerCase();
}
