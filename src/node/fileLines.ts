import { currentFlowGates, gatesOpen, whenGatesOpen } from '../actor/FlowGate';
import { currentJob } from '../checkpoint/JobContext';
import type { CheckpointBarrier } from '../core/Element';
import { Buffer } from 'node:buffer';
import { open, type FileHandle } from 'node:fs/promises';
import { Observable } from 'rxjs';
import type { Element } from '../core/Element';
import { recordBatch } from '../core/elementFactories';
import { InvalidArgumentError, SourceError } from '../core/errors';
import {
  checkBatchSize,
  checkExtractor,
  endSource,
  extractTimestamps,
  type SourceOptions,
} from '../connectors/sourceInternals';
import { LineSplitter } from './LineSplitter';

/** Options of {@link fileLines}. */
export interface FileLinesOptions extends SourceOptions<string> {
  /**
   * Extracts each line's event timestamp; its index argument counts lines from
   * `startOffset`. Without it records carry no timestamp.
   */
  readonly timestamp?: SourceOptions<string>['timestamp'];
  /** Most lines per batch (default 1,024). Results never depend on it. */
  readonly batchSize?: number;
  /** Bytes read at a time (default 64 KiB): with the longest line, it bounds the memory the source holds. */
  readonly chunkSize?: number;
  /**
   * Start reading at this byte offset, a line boundary recorded as a batch's
   * `offset` (a rewind after a restore). Default 0.
   */
  readonly startOffset?: number;
  /** The source's name in checkpoints (default by position: `fileLines-0`, …). */
  readonly name?: string;
}

/** The default number of bytes {@link fileLines} reads at a time: 64 KiB. */
const DEFAULT_CHUNK_SIZE = 64 * 1024;

function checkInteger(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new InvalidArgumentError('fileLines', name, min === 0 ? 'an integer ≥ 0' : 'a positive integer', value);
  }
  return value;
}

/**
 * A bounded source over the lines of a UTF-8 text file, read chunk by chunk —
 * never the whole file at once — then the maximum watermark and end of input.
 * Each batch carries as `offset` the byte offset just after its last line, so a
 * restore can rewind with `startOffset`.
 *
 * It's like Node's `readline` over a file stream, but emits record batches and
 * control elements. Lines end at `\n` or `\r\n` (the terminator is not part of
 * the line); a last line without a newline is a line; an empty file has none; a
 * UTF-8 byte-order mark at offset 0 is skipped. Bytes are decoded per line, so a
 * multibyte character split by a chunk boundary is read whole. Only one chunk is
 * read ahead: the next read starts after the batches of the previous one have
 * gone downstream (synchronously), and unsubscribing stops reading and closes
 * the file. Failing to open or read errors the stream with a {@link SourceError}
 * (the file-system error as `cause`).
 *
 * ```
 * file:    "a\nbb\r\nc"          chunkSize = 4, batchSize = 2
 * output:  -[a bb]-[c]W(max)E|     offsets 6, then 7
 * ```
 *
 * @example
 * const counts = await collect(
 *   fileLines('access.log').pipe(flatMap(l => l.split(' ')), keyBy(w => w), count()),
 * );
 * // rewind: fileLines('access.log', { startOffset: lastBatch.offset as number })
 * @param path the file.
 * @param options batch and chunk sizes, event timestamps, start offset.
 * @returns an element stream of the file's lines.
 */
export function fileLines(path: string | URL, options: FileLinesOptions = {}): Observable<Element<string>> {
  if (typeof path !== 'string' && !(path instanceof URL)) {
    throw new InvalidArgumentError('fileLines', 'path', 'a string or a file URL', path);
  }
  const batchSize = checkBatchSize('fileLines', options.batchSize);
  const chunkSize = checkInteger('chunkSize', options.chunkSize, DEFAULT_CHUNK_SIZE, 1);
  const startOffset = checkInteger('startOffset', options.startOffset, 0, 0);
  checkExtractor('fileLines', options.timestamp);
  const extractor = options.timestamp;
  return new Observable<Element<string>>((subscriber) => {
    let stopped = false;
    let handle: FileHandle | undefined;
    let linesRead = 0;
    // Under a checkpointed job: a rewindable source (byte offsets at line boundaries), barriers between batches.
    const gates = currentFlowGates();
    const barriers: CheckpointBarrier[] = [];
    const job = currentJob()?.registerSource('fileLines', options.name, { rewindable: true, requestBarrier: (b) => barriers.push(b) });
    const restored = job?.startOffset;
    if (restored !== undefined && (typeof restored !== 'number' || !Number.isInteger(restored) || restored < 0)) {
      throw new InvalidArgumentError('fileLines', 'restored offset', 'a non-negative integer byte offset', restored);
    }
    const start = (restored as number | undefined) ?? startOffset;
    let emittedUpTo = start;
    const flushBarriers = (): void => {
      while (barriers.length > 0 && !subscriber.closed) {
        const b = barriers.shift()!;
        subscriber.next(b);
        job?.barrierEmitted(b, emittedUpTo);
      }
    };
    const emit = (lines: string[], ends: number[]): void => {
      for (let from = 0; from < lines.length && !subscriber.closed; from += batchSize) {
        const to = Math.min(from + batchSize, lines.length);
        const values = from === 0 && to === lines.length ? lines : lines.slice(from, to);
        const timestamps = extractTimestamps('fileLines', values, extractor, linesRead);
        linesRead += values.length;
        emittedUpTo = ends[to - 1];
        subscriber.next(recordBatch(values, timestamps, undefined, emittedUpTo));
        flushBarriers();
      }
    };
    const run = async (): Promise<void> => {
      try {
        handle = await open(path, 'r');
      } catch (err) {
        throw new SourceError('fileLines', `could not open ${String(path)}`, err);
      }
      const buffer = Buffer.allocUnsafe(chunkSize);
      const splitter = new LineSplitter(start);
      let position = start;
      for (;;) {
        if (stopped) return;
        flushBarriers();
        if (!gatesOpen(gates)) await new Promise<void>((resume) => whenGatesOpen(gates, resume));
        if (job !== undefined) await new Promise<void>((resume) => job.scheduler.schedule(() => resume()));
        if (stopped) return;
        let bytesRead: number;
        try {
          ({ bytesRead } = await handle.read(buffer, 0, chunkSize, position));
        } catch (err) {
          throw new SourceError('fileLines', `could not read ${String(path)} at byte ${position}`, err);
        }
        if (stopped) return;
        if (bytesRead === 0) break;
        position += bytesRead;
        const lines: string[] = [];
        const ends: number[] = [];
        splitter.push(buffer, bytesRead, lines, ends);
        emit(lines, ends);
      }
      const lines: string[] = [];
      const ends: number[] = [];
      splitter.finish(lines, ends);
      emit(lines, ends);
      flushBarriers();
      job?.ended(emittedUpTo);
      endSource(subscriber);
    };
    run()
      .catch((err: unknown) => {
        if (!subscriber.closed) subscriber.error(err);
      })
      .finally(() => {
        handle?.close().catch(() => undefined);
      });
    return () => {
      stopped = true;
    };
  });
}
