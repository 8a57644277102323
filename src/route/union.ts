import { Observable, type Subscription } from 'rxjs';
import type { CheckpointBarrier, Element } from '../core/Element';
import { currentJob } from '../checkpoint/JobContext';
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
      let endedCount = 0;
      let wasAllIdle = false;
      const subscriptions: Subscription[] = [];
      // Barrier alignment: an input whose barrier arrived is blocked (its elements wait) until every input's has.
      let aligning: CheckpointBarrier | undefined;
      let alignStarted = 0;
      const blocked = new Array<boolean>(inputs.length).fill(false);
      const waiting: Element<T>[][] = inputs.map(() => []);
      const job = currentJob();
      const handle = job?.registerOperator('union', undefined, {
        snapshot: () => snapshotNow(0),
      });
      const snapshotNow = (alignmentMs: number) => {
        const state = combiner.snapshot();
        return { toData: () => state, watermark: state.combined, alignmentMs };
      };
      if (handle?.restored !== undefined) combiner.restore(handle.restored as ReturnType<WatermarkCombiner['snapshot']>);
      const clock = job ? () => job.clock() : undefined;
      const advanced = (wm: number | undefined): void => {
        if (wm !== undefined) out.next(watermark(wm));
      };
      const endInput = (i: number): void => {
        if (ended[i]) return;
        ended[i] = true;
        endedCount++;
        // An ended input sends no more records: it must not hold the others' watermark back.
        advanced(combiner.update(i, MAX_WATERMARK));
        if (aligning !== undefined) tryCompleteAlignment();
        else if (endedCount === inputs.length) {
          out.next(END_OF_INPUT);
          out.complete();
        }
      };
      const tryCompleteAlignment = (): void => {
        const b = aligning!;
        for (let j = 0; j < inputs.length; j++) if (!blocked[j] && !ended[j]) return;
        aligning = undefined;
        handle?.snapshotted(b, snapshotNow(clock ? clock() - alignStarted : 0));
        out.next(b);
        blocked.fill(false);
        // Release what waited, input by input, in arrival order (it may start the next alignment).
        for (let j = 0; j < inputs.length; j++) {
          const queue = waiting[j];
          waiting[j] = [];
          for (let k = 0; k < queue.length; k++) {
            if (blocked[j]) {
              waiting[j].push(...queue.slice(k));
              break;
            }
            onElement(j, queue[k]);
          }
        }
        if (aligning === undefined && endedCount === inputs.length && !out.closed) {
          out.next(END_OF_INPUT);
          out.complete();
        }
      };
      const onElement = (i: number, e: Element<T>): void => {
        if (blocked[i]) {
          waiting[i].push(e);
          return;
        }
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
          case 'barrier':
            if (aligning === undefined) {
              aligning = e;
              alignStarted = clock ? clock() : 0;
            }
            blocked[i] = true;
            tryCompleteAlignment();
            break;
          case 'end':
            endInput(i);
            break;
          default:
            out.error(new InvalidElementError('union', e));
        }
      };
      inputs.forEach((input, i) => {
        if (out.closed) return;
        subscriptions.push(
          subscribeLinked(input, out, {
            next: (e) => onElement(i, e),
            error: (err) => out.error(err),
            complete: () => {
              if (blocked[i]) waiting[i].push(END_OF_INPUT);
              else endInput(i);
            },
          }),
        );
      });
      return () => subscriptions.forEach((s) => s.unsubscribe());
    });
}
