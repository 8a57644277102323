import type { Element, RecordBatch } from '../../src';

/** One record of a batch, read column by column. */
export interface RecordView<T> {
  readonly value: T;
  readonly timestamp: number;
  readonly key?: unknown;
}

/** The main-path record batches among `elements`, in order. */
export function batchesOf<T>(elements: readonly Element<T>[]): RecordBatch<T>[] {
  return elements.filter((e): e is RecordBatch<T> => e.kind === 'batch');
}

/** Every main-path record of `elements`, in order, with its timestamp and (when keyed) key. */
export function recordsOf<T>(elements: readonly Element<T>[]): RecordView<T>[] {
  const records: RecordView<T>[] = [];
  for (const b of batchesOf(elements)) {
    for (let i = 0; i < b.values.length; i++) {
      records.push(b.keys ? { value: b.values[i], timestamp: b.timestamps[i], key: b.keys[i] } : { value: b.values[i], timestamp: b.timestamps[i] });
    }
  }
  return records;
}

/**
 * The shape of an element stream as short tokens, batches by their values:
 * `['b:1,2', 'w:5', 'x:3', 'i:true', 's:late:4', 'e']`. Makes the order of
 * data and control elements easy to assert.
 */
export function shapeOf(elements: readonly Element<unknown>[]): string[] {
  return elements.map((e) => {
    switch (e.kind) {
      case 'batch':
        return `b:${e.values.map(String).join(',')}`;
      case 'watermark':
        return `w:${e.timestamp}`;
      case 'barrier':
        return `x:${e.checkpointId}`;
      case 'idle':
        return `i:${e.idle}`;
      case 'side':
        return `s:${e.tag.id}:${e.batch.values.map(String).join(',')}`;
      case 'end':
        return 'e';
    }
  });
}
