import { InvalidArgumentError } from '../core/errors';

/**
 * Names a side output: a typed stream of records that an operator emits beside
 * its main output (late records of a window, rejected records of a process
 * function). Side-output records travel in band, wrapped in a
 * {@link SideOutputBatch}; main-path operators pass them through untouched and
 * `sideOutput(tag)` selects them.
 *
 * It's like Flink's `OutputTag`, but read with an RxJS operator instead of
 * `getSideOutput`.
 *
 * @example
 * const late = new OutputTag<Reading>('late-readings');
 * const out$ = readings$.pipe(window(tumbling(60_000), { lateOutput: late }), aggregate(count()), share());
 * out$.pipe(sideOutput(late), values()).subscribe(r => console.log('late', r));
 */
export class OutputTag<T> {
  /** Phantom field carrying the type of the tagged records. */
  declare readonly __type?: T;
  constructor(readonly id: string) {
    if (typeof id !== 'string' || id === '') throw new InvalidArgumentError('OutputTag', 'id', 'a non-empty string', id);
  }
  toString(): string {
    return `OutputTag(${this.id})`;
  }
}
