import { Buffer } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { TransactionalSink } from '../checkpoint/twoPhaseCommit';
import { InvalidArgumentError, StreamLiteError, UserFunctionError } from '../core/errors';

/** Options of {@link fileTransactionalSink}. */
export interface FileTransactionalSinkOptions<T> {
  /**
   * Turns a value into its line (without the newline). Default: strings as
   * they are, objects as JSON, the rest with `String`. A line holding a
   * newline is refused (it would read back as two records).
   */
  readonly serialize?: (value: T) => string;
  /**
   * `fsync` every file and directory (default true). Without it a transaction
   * is still atomic against a crash of the process, but not against a power
   * loss or a crash of the machine.
   */
  readonly sync?: boolean;
}

/** A {@link TransactionalSink} writing lines into a directory; see {@link fileTransactionalSink}. */
export interface FileTransactionalSink<T> extends TransactionalSink<T> {
  /** The output directory, absolute. */
  readonly directory: string;
  /** The committed part files, absolute paths in transaction-id order: their concatenation is the output. */
  committedParts(): Promise<string[]>;
}

const COMPONENT = 'fileTransactionalSink';
const PENDING_DIR = '.pending';
const PART = /^part-(\d{16})$/;
const PENDING = /^txn-(\d+)$/;
const TEMP = /^\.txn-(\d+)\.[0-9a-f-]+\.tmp$/;
/** Ids are zero-padded to the width of `Number.MAX_SAFE_INTEGER`, so names sort as ids do. */
const ID_WIDTH = 16;

/**
 * What every sink instance on one directory shares in this process: a new
 * instance (a pipeline rebuilt for a restart) must see the transactions an
 * earlier one is still making durable.
 */
interface DirectoryState {
  /** Counts pre-commits; `preCommittedAt` says when each pending id was pre-committed. */
  clock: number;
  readonly preCommittedAt: Map<number, number>;
  /** Ids `pendingTransactions()` reported, with the clock it answered as of. */
  readonly reported: Map<number, number>;
  /** Writes of pre-committed transactions still in progress, by id. */
  readonly writes: Map<number, { readonly at: number; readonly done: Promise<void> }>;
  /** The last file operation queued per id: the writes, commits and aborts of one id run one after another. */
  readonly queues: Map<number, Promise<unknown>>;
  created: boolean;
}
const directories = new Map<string, DirectoryState>();

/** @internal The default line of a value (as `toFile` writes it). */
function defaultSerialize(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * An exactly-once file sink on the two-phase-commit contract: each
 * transaction (the records between two checkpoint barriers) becomes one file,
 * made durable but invisible at the barrier and visible once the checkpoint
 * completes. Use it with {@link twoPhaseCommit} under {@link runJob}.
 *
 * It's Flink's `FileSink` with its in-progress → pending → finished part
 * files, in one process: a part file is either absent or complete, and a
 * restore commits what the restored checkpoint covers and deletes the rest,
 * so the visible files never hold a record twice or lose one.
 *
 * ```
 * write(a b)  preCommit(3)        commit(3)                     (records c d after B3)
 *   buffer     ─► .pending/txn-3   ─► part-0000000000000003      buffer: c d
 *              (temp file, fsync,     (rename, fsync both dirs;
 *               rename, fsync dir)     a second commit does nothing)
 *
 * <directory>/
 *   part-0000000000000003      committed: transaction 3   ┐ cat <directory>/part-*
 *   part-0000000000000005      committed: transaction 5   ┘ = the output, in order
 *   .pending/txn-6             pre-committed, checkpoint 6 not complete yet
 *   .pending/.txn-7.<uuid>.tmp a pre-commit being written (or that died): ignored
 * ```
 *
 * Reading the output: the committed part files in id order, concatenated
 * (the ids are zero-padded, so name order is id order: `cat dir/part-*`, or
 * {@link FileTransactionalSink.committedParts}). Each part holds the lines of
 * its transaction, `\n`-terminated. An empty transaction writes no file. The
 * last part, after end of input, is `part-9007199254740991`
 * ({@link FINAL_TRANSACTION}).
 *
 * Semantics: `write` buffers lines in memory; `preCommit(id)` closes the
 * buffer synchronously (the records written so far are transaction `id`, the
 * next ones go into a new transaction) and returns a Promise that resolves
 * once `.pending/txn-<id>` is durable; `commit(id)` renames it to
 * `part-<id>` (idempotent: when the part exists and the pending file does not,
 * it does nothing); `abort(id)` deletes the pending file; `pendingTransactions()`
 * lists `.pending` as it stands when called (writes started before the call
 * are awaited; pre-commits made after it are not reported); `discardOpen()`
 * drops the buffer. A restarted job may pre-commit a new transaction under the
 * id of one its predecessor left pending (a checkpoint whose barrier reached
 * the sink but which was never written): the new file replaces the old, and an
 * `abort(id)` of the reported old transaction arriving after that keeps it. One job writes a directory; a job restarted from its
 * checkpoints continues in the same directory, with the same or a new sink
 * instance. Failing file-system calls reject with a {@link StreamLiteError}
 * naming `fileTransactionalSink` (the error as `cause`); a throwing serializer
 * throws a {@link UserFunctionError} from `write`.
 *
 * @example
 * import { fileTransactionalSink } from 'streamlite-rx/node';
 * const sink = fileTransactionalSink<Click>('/var/lib/clicks/out');
 * await runJob({
 *   pipeline: () => fromCollection(clicks).pipe(keyBy((c) => c.user), count({ emit: 'every' }), twoPhaseCommit(sink)),
 *   storage: new FileCheckpointStorage('/var/lib/clicks/checkpoints'),
 *   checkpointInterval: 1_000,
 *   restartStrategy: fixedDelay(3, 500),
 * }).done;
 * await sink.committedParts(); // ['/var/lib/clicks/out/part-0000000000000001', …, '…/part-9007199254740991']
 * @param directory the output directory (created, with its parents, at the first pre-commit).
 * @param options `serialize` (value → line), `sync` (default true).
 * @returns a {@link FileTransactionalSink} to pass to {@link twoPhaseCommit}.
 */
export function fileTransactionalSink<T>(directory: string, options: FileTransactionalSinkOptions<T> = {}): FileTransactionalSink<T> {
  if (typeof directory !== 'string' || directory === '') throw new InvalidArgumentError(COMPONENT, 'directory', 'a non-empty path', directory);
  const serialize = options.serialize ?? (defaultSerialize as (value: T) => string);
  if (typeof serialize !== 'function') throw new InvalidArgumentError(COMPONENT, 'serialize', 'a function', serialize);
  const sync = options.sync ?? true;
  const root = resolve(directory);
  const pendingDir = join(root, PENDING_DIR);
  let shared = directories.get(root);
  if (shared === undefined) directories.set(root, (shared = { clock: 0, preCommittedAt: new Map(), reported: new Map(), writes: new Map(), queues: new Map(), created: false }));
  const dir = shared;
  let buffered: string[] = [];

  const pendingPath = (id: number): string => join(pendingDir, `txn-${id}`);
  const partPath = (id: number): string => join(root, `part-${String(id).padStart(ID_WIDTH, '0')}`);
  const checkId = (method: string, id: number): void => {
    if (!Number.isSafeInteger(id) || id < 0) throw new InvalidArgumentError(COMPONENT, `${method}(id)`, 'a non-negative safe integer', id);
  };
  const fail = (what: string, err: unknown): StreamLiteError =>
    new StreamLiteError(COMPONENT, `${what}: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err });

  const syncDirectory = async (path: string): Promise<void> => {
    if (!sync || process.platform === 'win32') return;
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  };

  const ensureDirectories = async (): Promise<void> => {
    if (dir.created) return;
    const first = await mkdir(pendingDir, { recursive: true });
    // Make each new directory's entry durable: sync its parent, from the deepest up to the one that existed.
    if (first !== undefined) {
      const existing = resolve(first, '..');
      for (let d = pendingDir; d !== existing; d = resolve(d, '..')) await syncDirectory(resolve(d, '..'));
    }
    dir.created = true;
  };

  /** Temporary file in `.pending`, fsync, rename to `txn-<id>`, fsync `.pending`. */
  const writePending = async (id: number, text: string): Promise<void> => {
    try {
      await ensureDirectories();
      const temp = join(pendingDir, `.txn-${id}.${randomUUID()}.tmp`);
      try {
        const handle = await open(temp, 'wx');
        try {
          const bytes = Buffer.from(text, 'utf8');
          for (let written = 0; written < bytes.length; ) {
            written += (await handle.write(bytes, written, bytes.length - written, null)).bytesWritten;
          }
          if (sync) await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temp, pendingPath(id));
      } catch (err) {
        await unlink(temp).catch(() => undefined);
        throw err;
      }
      await syncDirectory(pendingDir);
    } catch (err) {
      throw fail(`pre-committing transaction ${id} to ${pendingPath(id)} failed`, err);
    }
  };

  /** Runs `operation` once every operation queued before on transaction `id` has settled. */
  const serially = <R>(id: number, operation: () => Promise<R>): Promise<R> => {
    const result = (dir.queues.get(id) ?? Promise.resolve()).then(operation, operation);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    dir.queues.set(id, settled);
    void settled.then(() => {
      if (dir.queues.get(id) === settled) dir.queues.delete(id);
    });
    return result;
  };

  /** Waits for the write of `id` if one is in progress (its failure is the caller's to report or not). */
  const writeOf = (id: number): Promise<void> => dir.writes.get(id)?.done ?? Promise.resolve();

  const names = async (path: string): Promise<string[]> => {
    try {
      return await readdir(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return [];
      throw fail(`cannot list ${path}`, err);
    }
  };

  const removeIfPresent = async (path: string): Promise<boolean> => {
    try {
      await unlink(path);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return false;
      throw fail(`cannot remove ${path}`, err);
    }
  };

  return {
    directory: root,

    write(values) {
      for (const value of values) {
        let line: string;
        try {
          line = serialize(value);
        } catch (err) {
          throw new UserFunctionError(COMPONENT, { value }, err);
        }
        if (typeof line !== 'string' || line.includes('\n')) {
          throw new StreamLiteError(COMPONENT, `the serializer must return a string without a newline, returned ${JSON.stringify(line)}`, { value });
        }
        buffered.push(line);
      }
    },

    preCommit(id) {
      checkId('preCommit', id);
      const lines = buffered;
      buffered = [];
      if (lines.length === 0) return Promise.resolve();
      const text = lines.join('\n') + '\n';
      const at = ++dir.clock;
      dir.preCommittedAt.set(id, at);
      const done = serially(id, () => writePending(id, text));
      const entry = { at, done };
      dir.writes.set(id, entry);
      const forget = (): void => {
        if (dir.writes.get(id) === entry) dir.writes.delete(id);
      };
      done.then(forget, forget);
      return done;
    },

    async commit(id) {
      checkId('commit', id);
      await writeOf(id); // a transaction whose pre-commit failed cannot be committed
      await serially(id, async () => {
        try {
          await rename(pendingPath(id), partPath(id));
        } catch (err) {
          // Not pending: committed before (idempotent) or an empty transaction; either way nothing to do.
          if ((err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return;
          throw fail(`committing transaction ${id} to ${partPath(id)} failed`, err);
        }
        dir.preCommittedAt.delete(id);
        dir.reported.delete(id);
        try {
          await syncDirectory(root);
          await syncDirectory(pendingDir);
        } catch (err) {
          throw fail(`committing transaction ${id}: syncing ${root} failed`, err);
        }
      });
    },

    async abort(id) {
      checkId('abort', id);
      await serially(id, async () => {
        const reportedAt = dir.reported.get(id);
        dir.reported.delete(id);
        const at = dir.preCommittedAt.get(id);
        // Aborting what a listing reported, when the id was pre-committed again since (a restarted job reusing the
        // id of a transaction its predecessor left behind): that file is the new transaction, which replaced the old.
        if (reportedAt !== undefined && at !== undefined && at > reportedAt) return;
        dir.preCommittedAt.delete(id);
        let removed = await removeIfPresent(pendingPath(id));
        // No write of this id is running (they are queued with this abort): its temporary files are leftovers.
        for (const name of await names(pendingDir)) {
          if (TEMP.exec(name)?.[1] === String(id) && (await removeIfPresent(join(pendingDir, name)))) removed = true;
        }
        if (!removed) return;
        try {
          await syncDirectory(pendingDir);
        } catch (err) {
          throw fail(`aborting transaction ${id}: syncing ${pendingDir} failed`, err);
        }
      });
    },

    async pendingTransactions() {
      // As of now: writes already started are awaited, pre-commits made from here on are not reported.
      const asOf = dir.clock;
      await Promise.allSettled([...dir.writes.values()].filter((w) => w.at <= asOf).map((w) => w.done));
      const ids: number[] = [];
      for (const name of await names(pendingDir)) {
        const temp = TEMP.exec(name);
        // A temporary file no write of this process is behind: a pre-commit that died mid-write.
        if (temp !== null && !dir.queues.has(Number(temp[1]))) await removeIfPresent(join(pendingDir, name));
        const m = PENDING.exec(name);
        if (m === null) continue;
        const id = Number(m[1]);
        if (!Number.isSafeInteger(id)) continue;
        const at = dir.preCommittedAt.get(id);
        if (at !== undefined && at > asOf) continue;
        dir.reported.set(id, asOf);
        ids.push(id);
      }
      return ids.sort((a, b) => a - b);
    },

    discardOpen() {
      buffered = [];
    },

    async committedParts() {
      return (await names(root))
        .filter((name) => PART.test(name))
        .sort()
        .map((name) => join(root, name));
    },
  };
}
