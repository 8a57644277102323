/**
 * streamlite-rx/node: file sources and sinks. The only part of streamlite-rx
 * that imports `node:*` modules.
 */

/* Sources */
export { fileLines } from './fileLines';
export type { FileLinesOptions } from './fileLines';

/* Sinks */
export { toFile } from './toFile';
export type { ToFileOptions } from './toFile';
export { fileTransactionalSink } from './fileTransactionalSink';
export type { FileTransactionalSink, FileTransactionalSinkOptions } from './fileTransactionalSink';

/* Checkpoints */
export { FileCheckpointStorage } from './FileCheckpointStorage';
export type { FileCheckpointStorageOptions } from './FileCheckpointStorage';
