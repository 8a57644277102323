import type { SideOutputBatch } from '../core/Element';
import { sideOutputBatch } from '../core/elementFactories';
import type { Timestamp } from '../core/types';
import type { OutputTag } from '../route/OutputTag';
import { rec } from './rec';

/**
 * A side-output batch holding one record under `tag`: what a process function's
 * `ctx.output(tag, value)` or a window's late output puts in band.
 *
 * It's {@link rec} wrapped for a side output; after `flatten()` it reads
 * `{ side: tag.id, value, timestamp }`.
 *
 * ```
 * marble:  -a-n-|       a = rec(1, 0), n = sideRec(negatives, -2, 1)
 * meaning: -[1@0]-{negatives: -2@1}-|
 * ```
 *
 * @example
 * const negatives = new OutputTag<number>('negatives');
 * flatOf({ n: sideRec(negatives, -2, 1) }).n; // { side: 'negatives', value: -2, timestamp: 1 }
 * @param tag the side output.
 * @param value the record's value.
 * @param timestamp its event timestamp (omitted: none).
 */
export function sideRec<X>(tag: OutputTag<X>, value: X, timestamp?: Timestamp): SideOutputBatch {
  return sideOutputBatch(tag, rec(value, timestamp));
}
