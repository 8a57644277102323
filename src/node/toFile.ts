import { Buffer } from 'node:buffer';
import { open, type FileHandle } from 'node:fs/promises';
import type { Observable, Subscription } from 'rxjs';
import type { Element } from '../core/Element';
import { InvalidArgumentError, InvalidElementError, StreamLiteError, UserFunctionError } from '../core/errors';

/** Options of {@link toFile}. */
export interface ToFileOptions<T> {
  /** Turns a value into its line (without the newline). Default: strings as they are, objects as JSON, the rest with `String`. */
  readonly serializer?: (value: T) => string;
  /** Append to the file instead of replacing it (default false). */
  readonly append?: boolean;
  /** Flush the file to the disk (`fsync`) before closing it (default false). */
  readonly sync?: boolean;
}

/** @internal The default line of a value. */
function defaultSerializer(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * A sink writing every record's value as a line (`\n`-terminated) to a file.
 * Returns a function of the element stream (`toFile(path)(stream$)`) that runs
 * it; the promise resolves once the stream has completed and the file is
 * written and closed.
 *
 * It's like {@link collect}, but to a file: lines are written in order, the
 * lines of every batch that arrived while a write was in flight gathered into
 * the next write; control elements and side outputs are skipped. A value's line
 * should hold no newline (the default JSON never does). Rejects — after writing
 * the batches that came before the failure and closing the file — with the
 * stream's error, with a {@link UserFunctionError}
 * when the serializer throws, or with a {@link StreamLiteError} naming `toFile`
 * when opening or writing fails (the file-system error as `cause`). RxJS has no
 * backpressure: a source faster than the disk is buffered in memory.
 *
 * ```
 * input:   -[a b]--W--[c]-E|
 * file:    a\nb\nc\n            ⇒ resolves once closed
 * ```
 *
 * @example
 * await toFile('out.txt')(fileLines('in.txt').pipe(map(l => l.toUpperCase())));
 * await toFile('out.jsonl')(fromCollection([{ id: 1 }])); // out.jsonl: {"id":1}
 * @param path the file, created or replaced (see `append`).
 * @param options serializer, append, sync.
 */
export function toFile<T>(
  path: string | URL,
  options: ToFileOptions<T> = {},
): (source: Observable<Element<T>>) => Promise<void> {
  if (typeof path !== 'string' && !(path instanceof URL)) {
    throw new InvalidArgumentError('toFile', 'path', 'a string or a file URL', path);
  }
  const serialize = options.serializer ?? (defaultSerializer as (value: T) => string);
  if (typeof serialize !== 'function') throw new InvalidArgumentError('toFile', 'serializer', 'a function', serialize);
  const flags = options.append ? 'a' : 'w';
  return (source) => {
    let pending: string[] = [];
    let completed = false;
    let failure: { error: unknown } | undefined;
    let wake: (() => void) | undefined;
    const signal = (): void => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const fail = (error: unknown): void => {
      if (failure === undefined) failure = { error };
      signal();
    };
    let subscription: Subscription | undefined;
    const write = async (handle: FileHandle, text: string): Promise<void> => {
      const bytes = Buffer.from(text, 'utf8');
      for (let written = 0; written < bytes.length; ) {
        const { bytesWritten } = await handle.write(bytes, written, bytes.length - written, null);
        written += bytesWritten;
      }
    };
    const run = async (): Promise<void> => {
      let handle: FileHandle;
      try {
        handle = await open(path, flags);
      } catch (err) {
        throw new StreamLiteError('toFile', `could not open ${String(path)}`, undefined, { cause: err });
      }
      try {
        for (;;) {
          if (pending.length > 0) {
            const text = pending.join('');
            pending = [];
            try {
              await write(handle, text);
            } catch (err) {
              throw new StreamLiteError('toFile', `could not write ${String(path)}`, undefined, { cause: err });
            }
          } else if (failure !== undefined) throw failure.error;
          else if (completed) break;
          else await new Promise<void>((resolve) => (wake = resolve));
        }
        if (options.sync) await handle.sync();
      } finally {
        await handle.close();
      }
    };
    const done = run();
    subscription = source.subscribe({
      next(e) {
        if (failure !== undefined) return;
        if (e?.kind === 'batch') {
          const { values, timestamps } = e;
          let text = '';
          for (let i = 0; i < values.length; i++) {
            let line: string;
            try {
              line = serialize(values[i]);
            } catch (err) {
              fail(new UserFunctionError('toFile', { value: values[i], timestamp: timestamps[i] }, err));
              subscription?.unsubscribe();
              return;
            }
            text += line + '\n';
          }
          pending.push(text);
          signal();
        } else if (e == null || typeof e !== 'object' || typeof e.kind !== 'string') {
          fail(new InvalidElementError('toFile', e));
        }
      },
      error: fail,
      complete() {
        completed = true;
        signal();
      },
    });
    if (failure !== undefined) subscription.unsubscribe();
    return done.catch((err: unknown) => {
      subscription?.unsubscribe();
      throw err;
    });
  };
}
