import type { CheckpointBarrier, Element, EndOfInput, IdleMarker, RecordBatch, SideOutputBatch, Watermark } from './Element';

/** True for a record batch. */
export const isRecordBatch = <T>(e: Element<T>): e is RecordBatch<T> => e.kind === 'batch';
/** True for a watermark. */
export const isWatermark = (e: Element<unknown>): e is Watermark => e.kind === 'watermark';
/** True for a checkpoint barrier. */
export const isBarrier = (e: Element<unknown>): e is CheckpointBarrier => e.kind === 'barrier';
/** True for an idleness marker. */
export const isIdleMarker = (e: Element<unknown>): e is IdleMarker => e.kind === 'idle';
/** True for the end-of-input element. */
export const isEndOfInput = (e: Element<unknown>): e is EndOfInput => e.kind === 'end';
/** True for a side-output batch. */
export const isSideOutput = (e: Element<unknown>): e is SideOutputBatch => e.kind === 'side';
