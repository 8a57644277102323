import { Observable, type Subscription } from 'rxjs';
import type { Element } from '../core/Element';
import { END_OF_INPUT, idle, watermark } from '../core/elementFactories';
import { InvalidArgumentError, InvalidElementError } from '../core/errors';
import { MAX_WATERMARK } from '../core/time';
import type { ElementOperator } from '../core/types';
import { subscribeLinked } from '../operators/operate';
import { WatermarkCombiner } from '../time/WatermarkCombiner';

/**
 * Merges this stream with `others` into one stream of the same type.
 *
 * It's like RxJS's `merge`, but event-time aware: the output watermark is the
 * minimum of the inputs' watermarks over the inputs that are not idle (the
 * maximum when all are idle) and never goes backwards; an input that has
 * ended counts as the maximum watermark; end of input is sent once every
 * input has ended; a checkpoint barrier is forwarded once it has
 * arrived on every input.
 *
 * ```
 * a:       -[1]--W5-------W9-|
 * b:       ---[2]----W7------|
 * output:  -[1][2]---W5---W7-W9(max)E|
 * ```
 *
 * @example
 * await StreamLite.fromCollection([1, 2]).union(StreamLite.fromCollection([3])).collect(); // [1, 2, 3]
 * @param others the streams merged in.
 */
export function union<T>(...others: Observable<Element<T>>[]): ElementOperator<T, T> {
  others.forEach((o, i) => {
    if (!(o instanceof Observable)) throw new InvalidArgumentError('union', `others[${i}]`, 'an Observable of elements', o);
  });
  return (first) =>
    new Observable<Element<T>>((out) => {
      const inputs = [first, ...others];
      const combiner = new WatermarkCombiner(inputs.length);
      const ended = new Array<boolean>(inputs.length).fill(false);
      const barrierCounts = new Map<number, number>();
      let endedCount = 0;
      let wasAllIdle = false;
      const subscriptions: Subscription[] = [];
      const advanced = (wm: number | undefined): void => {
        if (wm !== undefined) out.next(watermark(wm));
      };
      const endInput = (i: number): void => {
        if (ended[i]) return;
        ended[i] = true;
        endedCount++;
        // An ended input sends no more records: it must not hold the others' watermark back.
        advanced(combiner.update(i, MAX_WATERMARK));
        if (endedCount === inputs.length) {
          out.next(END_OF_INPUT);
          out.complete();
        }
      };
      inputs.forEach((input, i) => {
        if (out.closed) return;
        subscriptions.push(
          subscribeLinked(input, out, {
            next(e) {
              switch (e?.kind) {
                case 'batch':
                  combiner.markActive(i);
                  if (wasAllIdle) {
                    wasAllIdle = false;
                    out.next(idle(false));
                  }
                  out.next(e);
                  break;
                case 'side':
                  out.next(e);
                  break;
                case 'watermark':
                  advanced(combiner.update(i, e.timestamp));
                  break;
                case 'idle': {
                  advanced(combiner.setIdle(i, e.idle));
                  const allIdle = combiner.allIdle;
                  if (allIdle !== wasAllIdle) {
                    wasAllIdle = allIdle;
                    out.next(idle(allIdle));
                  }
                  break;
                }
                case 'barrier': {
                  const seen = (barrierCounts.get(e.checkpointId) ?? 0) + 1;
                  if (seen === inputs.length - endedCount) {
                    barrierCounts.delete(e.checkpointId);
                    out.next(e);
                  } else barrierCounts.set(e.checkpointId, seen);
                  break;
                }
                case 'end':
                  endInput(i);
                  break;
                default:
                  out.error(new InvalidElementError('union', e));
              }
            },
            error: (err) => out.error(err),
            complete: () => endInput(i),
          }),
        );
      });
      return () => subscriptions.forEach((s) => s.unsubscribe());
    });
}
