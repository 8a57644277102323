import { Subject, type OperatorFunction, type Subscription } from 'rxjs';
import type { Element } from '../core/Element';
import { recordBatch, sideOutputBatch, watermark } from '../core/elementFactories';
import { InvalidArgumentError, MissingTimestampError, StreamLiteError } from '../core/errors';
import { MAX_WATERMARK, MIN_WATERMARK, NO_TIMESTAMP } from '../core/time';
import type { ElementOperator, Timestamp } from '../core/types';
import { elementOperator } from '../operators/operate';
import { OutputTag } from '../route/OutputTag';
import { EventTimeScheduler } from './EventTimeScheduler';

const NAME = 'inEventTime';

/**
 * The side output where {@link inEventTime} puts late records when its options
 * name no `lateOutput`. It's a plain {@link OutputTag}: read it with `sideOutput`.
 *
 * ```
 * input:   -W5--[a@4]-|
 * output:  -W5--{inEventTime.late: a@4}-|
 * ```
 *
 * @example
 * out$.pipe(sideOutput(IN_EVENT_TIME_LATE), values()).subscribe((v) => console.warn('late', v));
 */
export const IN_EVENT_TIME_LATE = new OutputTag<unknown>('inEventTime.late');

/** Options of {@link inEventTime}. */
export interface InEventTimeOptions<T> {
  /** Where records that arrive at or behind the watermark go (default {@link IN_EVENT_TIME_LATE}). */
  readonly lateOutput?: OutputTag<T>;
  /** Counts late records (`inc(n)`; a prom-client `Counter` fits). */
  readonly lateRecords?: { inc(n: number): void };
}

/** Held records: a binary min-heap over parallel arrays, ordered by (timestamp, arrival). */
class HeldRecords<T> {
  private readonly ts: Timestamp[] = [];
  private readonly seq: number[] = [];
  private readonly vals: T[] = [];
  private next = 0;

  get size(): number {
    return this.ts.length;
  }
  /** The smallest held timestamp (only when size > 0). */
  get minTimestamp(): Timestamp {
    return this.ts[0];
  }
  push(value: T, timestamp: Timestamp): void {
    const s = this.next++;
    let i = this.ts.length;
    this.ts.push(timestamp);
    this.seq.push(s);
    this.vals.push(value);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!(timestamp < this.ts[p] || (timestamp === this.ts[p] && s < this.seq[p]))) break;
      this.move(p, i);
      i = p;
    }
    this.set(i, timestamp, s, value);
  }
  /** Removes the earliest record and returns its value (only when size > 0). */
  pop(): T {
    const top = this.vals[0];
    const t = this.ts.pop()!;
    const s = this.seq.pop()!;
    const v = this.vals.pop()!;
    const n = this.ts.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && (this.ts[r] < this.ts[l] || (this.ts[r] === this.ts[l] && this.seq[r] < this.seq[l])) ? r : l;
      if (!(this.ts[c] < t || (this.ts[c] === t && this.seq[c] < s))) break;
      this.move(c, i);
      i = c;
    }
    this.set(i, t, s, v);
    return top;
  }
  private move(from: number, to: number): void {
    this.set(to, this.ts[from], this.seq[from], this.vals[from]);
  }
  private set(i: number, t: Timestamp, s: number, v: T): void {
    this.ts[i] = t;
    this.seq[i] = s;
    this.vals[i] = v;
  }
}

/** After end of input, how many actions beyond those already pending the inner pipeline may run before it must have completed. */
const EXTRA_ACTIONS_AFTER_END = 100_000;

/**
 * Runs RxJS's own time operators in event time: `operatorFactory` receives an
 * {@link EventTimeScheduler} and returns a plain RxJS operator (`bufferTime(10,
 * scheduler)`, `debounceTime`, `delay`, `throttleTime`, `timeout`, or a
 * `pipe()` of them) that sees record values in event-timestamp order, with the
 * scheduler's clock standing at each record's timestamp.
 *
 * It's like applying the RxJS operator to `values()`, but time is the
 * watermark instead of the wall clock, so results depend on event timestamps,
 * not on arrival: records are held in timestamp order (ties in arrival order)
 * and released as the watermark passes them; before a record at `t` is
 * released, every action due at or before `t` runs (so a period `[s, s+10)`
 * closes before a record at `s+10`); after releasing everything ≤ `W` the
 * clock advances to `W`; then `W` is forwarded. Each value the inner operator
 * emits becomes a record stamped with the clock at that moment.
 *
 * ```
 * input (arrival):  W0 a@3 b@1 c@12 W10 ---------- d@11 e@25 W30 ------------------ M|
 * inner sees:       (clock 0)       1 3 ⏱10     |           11 12 ⏱20 25 ⏱30     | complete
 * output:           W0 ------------ [1,3]@10 W10 ---------- [11,12]@20 [25]@30 W30 []@30 M|
 *                   bufferTime(10, s): ⏱ = a period ending; [] = the open buffer flushed on completion
 * ```
 *
 * The clock starts, and the inner pipeline is subscribed, at the first real
 * time: the first watermark, or the earliest record it releases when that is
 * earlier (never at `MIN_WATERMARK`, where `bufferTime` would run ~10^15
 * empty periods). Lateness: a record whose timestamp is ≤ the current
 * watermark when it arrives goes to `options.lateOutput` (default
 * {@link IN_EVENT_TIME_LATE}) and `options.lateRecords` — never silently
 * dropped. End of input (the maximum watermark, or END): every held record is
 * released, the inner Subject completes (so `bufferTime` flushes its buffer
 * at the last time), then the clock advances to the end so pending delays run
 * at their own times; then `MAX_WATERMARK` and END. An error of the inner
 * pipeline (e.g. a `TimeoutError`) errors the stream. Keys are dropped, like
 * `map`; barriers, idle markers and side outputs pass through (held records
 * are not part of checkpoints yet).
 *
 * @example
 * // elements$: W0, records at 3, 1, 12 (in that arrival order), W10, records at 11, 25, W30, end
 * elements$.pipe(inEventTime((s) => bufferTime(10, s)), values()).subscribe(console.log);
 * // [1, 3]  [11, 12]  [25]  []       (records stamped 10, 20, 30, 30)
 * const late = new OutputTag<Click>('late-clicks');
 * clicks$.pipe(inEventTime((s) => debounceTime(5_000, s), { lateOutput: late }));
 * @param operatorFactory builds the RxJS operator from the event-time scheduler, once per subscription.
 * @param options the late output and its counter.
 * @returns an operator from `Element<T>` to `Element<R>`.
 * @see EventTimeScheduler, assignTimestampsAndWatermarks
 */
export function inEventTime<T, R>(
  operatorFactory: (scheduler: EventTimeScheduler) => OperatorFunction<T, R>,
  options: InEventTimeOptions<T> = {},
): ElementOperator<T, R> {
  if (typeof operatorFactory !== 'function') throw new InvalidArgumentError(NAME, 'operatorFactory', 'a function', operatorFactory);
  const lateTag = (options.lateOutput ?? IN_EVENT_TIME_LATE) as OutputTag<T>;
  if (typeof lateTag?.id !== 'string') throw new InvalidArgumentError(NAME, 'lateOutput', 'an OutputTag', options.lateOutput);
  const lateRecords = options.lateRecords;
  if (lateRecords !== undefined && typeof lateRecords?.inc !== 'function') {
    throw new InvalidArgumentError(NAME, 'lateRecords', 'a counter with inc(n)', lateRecords);
  }

  return elementOperator<T, R>(NAME, (out) => {
    const scheduler = new EventTimeScheduler(MIN_WATERMARK);
    const inner = operatorFactory(scheduler);
    if (typeof inner !== 'function') throw new InvalidArgumentError(NAME, 'operatorFactory(scheduler)', 'an RxJS operator function', inner);
    const held = new HeldRecords<T>();
    const input = new Subject<T>();
    let subscription: Subscription | undefined;
    let innerDone = false;
    let wm: Timestamp = MIN_WATERMARK;
    let outValues: R[] = [];
    let outTimestamps: Timestamp[] = [];
    let handling = false;

    const flush = (): void => {
      if (outValues.length === 0) return;
      const batch = recordBatch(outValues, outTimestamps);
      outValues = [];
      outTimestamps = [];
      out.next(batch as Element<R>);
    };
    const start = (clock: Timestamp): void => {
      if (subscription !== undefined) return;
      scheduler.setClock(clock);
      subscription = input.pipe(inner).subscribe({
        next(value) {
          outValues.push(value);
          outTimestamps.push(scheduler.now());
          if (!handling) flush();
        },
        error(err) {
          innerDone = true;
          flush();
          out.error(err);
        },
        complete() {
          innerDone = true;
        },
      });
    };
    /** Releases every held record with timestamp ≤ `upTo`, each after the actions due at or before it. */
    const release = (upTo: Timestamp): void => {
      // The clock starts at the earliest known time: the first record released, else this watermark
      // (at end of input with nothing held: the last watermark).
      if (subscription === undefined) {
        start(held.size > 0 && held.minTimestamp < upTo ? held.minTimestamp : upTo < MAX_WATERMARK ? upTo : wm);
      }
      while (held.size > 0 && held.minTimestamp <= upTo && !out.closed) {
        scheduler.advanceTo(held.minTimestamp);
        input.next(held.pop());
      }
    };
    const finish = (): void => {
      if (wm >= MAX_WATERMARK) return;
      handling = true;
      release(MAX_WATERMARK);
      wm = MAX_WATERMARK;
      input.complete();
      // The inner pipeline has completed its input; run what it still has pending (delays) until it completes.
      // A pipeline that keeps re-scheduling (an `interval` merged in) would run until MAX_WATERMARK: refuse it.
      const budget = scheduler.pending + EXTRA_ACTIONS_AFTER_END;
      for (let n = 0; !innerDone && !out.closed; n++) {
        const due = scheduler.peekDue();
        if (due === undefined) break;
        if (n >= budget) {
          throw new StreamLiteError(NAME, `the inner pipeline kept scheduling work after end of input (${n} actions) and did not complete`);
        }
        scheduler.advanceTo(due);
      }
      scheduler.advanceTo(MAX_WATERMARK);
      handling = false;
      flush();
      if (!out.closed) out.next(watermark(MAX_WATERMARK));
    };

    return {
      batch(batch) {
        const { values, timestamps, keys } = batch;
        let late: number[] | undefined;
        for (let i = 0; i < values.length; i++) {
          const t = timestamps[i];
          if (t === NO_TIMESTAMP) throw new MissingTimestampError(NAME, { value: values[i], key: keys?.[i] });
          if (t > wm) held.push(values[i], t);
          else (late ??= []).push(i);
        }
        if (late !== undefined) {
          lateRecords?.inc(late.length);
          const pick = <X>(column: readonly X[]): X[] => late!.map((i) => column[i]);
          out.next(sideOutputBatch(lateTag, recordBatch(pick(values), pick(timestamps), keys && pick(keys))));
        }
      },
      watermark(e) {
        if (e.timestamp >= MAX_WATERMARK) return finish();
        if (e.timestamp <= wm) return;
        handling = true;
        release(e.timestamp);
        scheduler.advanceTo(e.timestamp);
        handling = false;
        wm = e.timestamp;
        flush();
        if (!out.closed) out.next(e);
      },
      end: finish,
      finalize() {
        subscription?.unsubscribe();
      },
    };
  });
}
