import type { FlatElement } from './FlatElement';

/**
 * One element of a job's output in flat form (one record, or one control
 * element), with the frame of the virtual clock it reached the end of the
 * pipeline at, counted from the job's start.
 *
 * ```
 * { frame: 3, element: { barrier: 1 } }      checkpoint 1's barrier left the pipeline at frame 3
 * { frame: 4, element: { value: 'c' } }      a record
 * ```
 */
export interface TimedElement<T> {
  readonly frame: number;
  readonly element: FlatElement<T>;
}
