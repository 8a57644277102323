import { from, type Observable } from 'rxjs';
import { END_OF_INPUT, MAX_WATERMARK, recordBatch, watermark, type Element } from '../../src';

/**
 * A bounded element stream built by hand (not with a source of the engine):
 * the records cut into batches before each index of `cuts`, a watermark before
 * each record index of `watermarks` (`[index, watermark]` pairs; those indexes
 * cut too), then the maximum watermark and end of input, as a source ends.
 *
 * `cuts` may be unsorted, repeat, or fall outside `(0, values.length)`: those
 * make no batch boundary (an empty batch is never built).
 */
export function handBuiltStream<T>(
  values: readonly T[],
  timestamps: readonly number[],
  cuts: readonly number[],
  watermarks: readonly (readonly [index: number, watermark: number])[] = [],
): Observable<Element<T>> {
  return from(handBuiltElements(values, timestamps, cuts, watermarks));
}

/** The elements of {@link handBuiltStream}, as an array. */
export function handBuiltElements<T>(
  values: readonly T[],
  timestamps: readonly number[],
  cuts: readonly number[],
  watermarks: readonly (readonly [index: number, watermark: number])[] = [],
): Element<T>[] {
  const n = values.length;
  const watermarksAt = new Map<number, number[]>();
  for (const [index, wm] of watermarks) {
    const at = Math.min(Math.max(index, 0), n);
    watermarksAt.set(at, [...(watermarksAt.get(at) ?? []), wm]);
  }
  const bounds = [...new Set([...cuts, ...watermarksAt.keys()])].filter((c) => c > 0 && c < n).sort((a, b) => a - b);
  const elements: Element<T>[] = [];
  let start = 0;
  for (const end of [...bounds, n]) {
    if (end > start) {
      for (const wm of watermarksAt.get(start) ?? []) elements.push(watermark(wm));
      elements.push(recordBatch(values.slice(start, end), timestamps.slice(start, end)));
    }
    start = end;
  }
  for (const wm of watermarksAt.get(n) ?? []) elements.push(watermark(wm));
  elements.push(watermark(MAX_WATERMARK), END_OF_INPUT);
  return elements;
}

/** The cut points that split `n` records into batches of `size` (the last one shorter). */
export function cutsEvery(n: number, size: number): number[] {
  const cuts: number[] = [];
  for (let c = size; c < n; c += size) cuts.push(c);
  return cuts;
}
