import { Observable, Subscriber, type Observer, type Subscription, type TeardownLogic } from 'rxjs';
import type {
  CheckpointBarrier,
  Element,
  IdleMarker,
  RecordBatch,
  SideOutputBatch,
  Watermark,
} from '../core/Element';
import { END_OF_INPUT } from '../core/elementFactories';
import { InvalidElementError } from '../core/errors';

/**
 * @internal
 * Our own `operate()`: builds an operator from a function of (source, subscriber).
 * An error thrown synchronously by `init` goes to the subscriber.
 */
export function operate<T, R>(
  init: (source: Observable<T>, subscriber: Subscriber<R>) => TeardownLogic,
): (source: Observable<T>) => Observable<R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      try {
        return init(source, subscriber);
      } catch (err) {
        subscriber.error(err);
        return undefined;
      }
    });
}

/**
 * @internal
 * Subscribes `observer` to `source` through a subscriber owned by `parent`, so
 * that closing `parent` closes the subscriber the source sees — even while the
 * source is still emitting synchronously inside this very call (a plain
 * `source.subscribe(observer)` is only tied to `parent` once it has returned,
 * so a synchronous loop over an endless iterable would never see downstream
 * unsubscribe, e.g. after `take(5)`).
 */
export function subscribeLinked<T>(source: Observable<T>, parent: Subscription, observer: Observer<T>): Subscription {
  // RxJS 7 offers no public operator subscriber; `Subscriber` is the one it uses itself.
  const subscriber = new Subscriber<T>(observer);
  parent.add(subscriber);
  return source.subscribe(subscriber);
}

/**
 * @internal
 * What an operator does with each kind of element. Only `batch` is required:
 * control elements and side outputs not handled are forwarded as they are.
 */
export interface ElementHandlers<T> {
  batch(batch: RecordBatch<T>): void;
  /** Handles a watermark; when absent the watermark is forwarded. */
  watermark?(wm: Watermark): void;
  /** Handles a checkpoint barrier; when absent the barrier is forwarded. */
  barrier?(b: CheckpointBarrier): void;
  /** Handles an idleness marker; when absent it is forwarded. */
  idle?(m: IdleMarker): void;
  /** Handles a side-output batch; when absent it is forwarded. */
  side?(s: SideOutputBatch): void;
  /**
   * Called once at end of input (the END element, or completion of the source
   * without one), before END is forwarded and the output completes.
   */
  end?(): void;
  /** Called when the subscription ends for any reason (completion, error, unsubscribe). */
  finalize?(): void;
}

/**
 * @internal
 * Subscribes an operator to its source: one `switch` per element, errors from
 * handlers routed to the output, END forwarded exactly once, then completion.
 * Anything that is not an element is an {@link InvalidElementError}.
 */
export function subscribeElements<T, R>(
  operator: string,
  source: Observable<Element<T>>,
  out: Subscriber<Element<R>>,
  handlers: ElementHandlers<T>,
): TeardownLogic {
  let ended = false;
  let closed = false;
  const endInput = (): void => {
    if (ended) return;
    ended = true;
    handlers.end?.();
    if (!closed) out.next(END_OF_INPUT);
  };
  const fail = (err: unknown): void => {
    if (closed) return;
    closed = true;
    out.error(err);
  };
  const subscription = subscribeLinked(source, out, {
    next(e) {
      if (closed) return;
      try {
        switch (e?.kind) {
          case 'batch':
            if (e.values.length > 0) handlers.batch(e);
            break;
          case 'watermark':
            if (handlers.watermark) handlers.watermark(e);
            else out.next(e);
            break;
          case 'barrier':
            if (handlers.barrier) handlers.barrier(e);
            else out.next(e);
            break;
          case 'idle':
            if (handlers.idle) handlers.idle(e);
            else out.next(e);
            break;
          case 'side':
            if (handlers.side) handlers.side(e);
            else out.next(e);
            break;
          case 'end':
            endInput();
            break;
          default:
            throw new InvalidElementError(operator, e);
        }
      } catch (err) {
        fail(err);
      }
    },
    error(err) {
      fail(err);
    },
    complete() {
      if (closed) return;
      try {
        endInput();
      } catch (err) {
        fail(err);
        return;
      }
      if (closed) return;
      closed = true;
      out.complete();
    },
  });
  return () => {
    closed = true;
    subscription.unsubscribe();
    handlers.finalize?.();
  };
}

/**
 * @internal
 * Shorthand for an operator whose whole logic is a set of element handlers
 * built per subscription.
 */
export function elementOperator<T, R>(
  name: string,
  build: (out: Subscriber<Element<R>>) => ElementHandlers<T>,
): (source: Observable<Element<T>>) => Observable<Element<R>> {
  return operate<Element<T>, Element<R>>((source, out) => subscribeElements(name, source, out, build(out)));
}
