import type { Element } from '../core/Element';
import { InvalidArgumentError } from '../core/errors';
import type { ElementOperator } from '../core/types';
import { elementOperator } from '../operators/operate';
import type { OutputTag } from './OutputTag';

/**
 * Selects the side output named by `tag`: its records become the main records
 * of the result; the main records and other side outputs are dropped (they
 * belong to other branches); control elements pass through.
 *
 * It's Flink's `getSideOutput(tag)` as a pipeable operator. Share the upstream
 * (`share()`) to read the main output and a side output from one run.
 *
 * ```
 * input:   -[a]-{late: x}--W-|
 * output:  -----[x]--------W-|
 * ```
 *
 * @example
 * const late = new OutputTag<number>('late');
 * const lateValues = await collect(result$.pipe(sideOutput(late)));
 */
export function sideOutput<X>(tag: OutputTag<X>): ElementOperator<unknown, X> {
  if (tag == null || typeof (tag as OutputTag<X>).id !== 'string') throw new InvalidArgumentError('sideOutput', 'tag', 'an OutputTag', tag);
  return elementOperator<unknown, X>('sideOutput', (out) => ({
    batch() {
      /* main records belong to the main branch */
    },
    side(s) {
      if (s.tag === tag || s.tag.id === tag.id) out.next(s.batch as Element<X>);
    },
  }));
}
