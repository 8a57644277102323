import type { Element, RecordBatch } from '../core/Element';
import { InvalidElementError } from '../core/errors';
import { NO_TIMESTAMP } from '../core/time';
import type { FlatElement, FlatKind } from './FlatElement';

/** @internal Appends the flat records of `batch` to `into`, tagged with `side` when given. */
function flatRecords(batch: RecordBatch<unknown>, side: string | undefined, into: FlatElement<unknown>[]): void {
  const { values, timestamps, keys } = batch;
  for (let i = 0; i < values.length; i++) {
    const flat: { side?: string; value: unknown; timestamp?: number; key?: unknown } =
      side === undefined ? { value: values[i] } : { side, value: values[i] };
    if (timestamps[i] !== NO_TIMESTAMP) flat.timestamp = timestamps[i];
    if (keys !== undefined) flat.key = keys[i];
    into.push(flat as FlatElement<unknown>);
  }
}

/**
 * The flat notifications one element stands for: one per record of a batch
 * (none for an empty batch), one for a control element — or none when its kind
 * is in `omit`.
 *
 * It's the function behind {@link flatten} and {@link flatOf}, for assertions
 * outside marble diagrams.
 *
 * ```
 * element: [x@1 y@2]   →  {value: x, timestamp: 1}, {value: y, timestamp: 2}
 * element: W5          →  {watermark: 5}
 * ```
 *
 * @example
 * toFlat(batchOf(['x', 1], ['y', 2])); // [{ value: 'x', timestamp: 1 }, { value: 'y', timestamp: 2 }]
 * toFlat(wm(5));                       // [{ watermark: 5 }]
 * @param element any element.
 * @param omit kinds of element to leave out.
 * @returns the flat notifications, in order.
 * @throws InvalidElementError for something that is not an element.
 */
export function toFlat<T>(element: Element<T>, omit: readonly FlatKind[] = []): FlatElement<T>[] {
  const out: FlatElement<unknown>[] = [];
  switch (element?.kind) {
    case 'batch':
      flatRecords(element, undefined, out);
      break;
    case 'watermark':
      if (!omit.includes('watermark')) out.push({ watermark: element.timestamp });
      break;
    case 'barrier':
      if (!omit.includes('barrier')) {
        out.push(element.savepoint ? { barrier: element.checkpointId, savepoint: true } : { barrier: element.checkpointId });
      }
      break;
    case 'idle':
      if (!omit.includes('idle')) out.push({ idle: element.idle });
      break;
    case 'end':
      if (!omit.includes('end')) out.push({ end: true });
      break;
    case 'side':
      if (!omit.includes('side')) flatRecords(element.batch, element.tag.id, out);
      break;
    default:
      throw new InvalidElementError('toFlat', element);
  }
  return out as FlatElement<T>[];
}
