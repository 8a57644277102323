import { InvalidArgumentError, InvalidTimestampError, UserFunctionError } from '../core/errors';
import { isValidTimestamp, MIN_WATERMARK } from '../core/time';
import type { Timestamp } from '../core/types';
import { checkSnapshot } from './boundedOutOfOrderness';
import type { WatermarkGenerator, WatermarkGeneratorSnapshot, WatermarkStrategy } from './WatermarkStrategy';

/** Decides from one record whether it carries a watermark: a timestamp, or `undefined`/`null` for none. */
export type PunctuationFunction<T> = (value: T, timestamp: Timestamp) => Timestamp | undefined | null;

class PunctuatedGenerator<T> implements WatermarkGenerator<T> {
  private watermark: Timestamp;

  constructor(
    private readonly punctuation: PunctuationFunction<T>,
    restored?: WatermarkGeneratorSnapshot,
  ) {
    this.watermark = restored?.watermark ?? MIN_WATERMARK;
  }

  onEvent(value: T, timestamp: Timestamp): void {
    let w: Timestamp | undefined | null;
    try {
      w = this.punctuation(value, timestamp);
    } catch (err) {
      throw new UserFunctionError('punctuated', { value, timestamp }, err);
    }
    if (w === undefined || w === null) return;
    if (!isValidTimestamp(w)) throw new InvalidTimestampError('punctuated', { value, timestamp }, w);
    if (w > this.watermark) this.watermark = w;
  }

  current(): Timestamp {
    return this.watermark;
  }

  snapshot(): WatermarkGeneratorSnapshot {
    return { watermark: this.watermark };
  }
}

/**
 * A watermark strategy where the records themselves say where event time
 * stands: `punctuation(value, timestamp)` returns a watermark, or `undefined`
 * (or `null`) for none. A returned watermark below the current one is ignored:
 * the watermark never goes backwards.
 *
 * It's like a Flink `WatermarkGenerator` that emits from `onEvent`, and so its
 * default emission is `'record'`: the watermark follows right after the record
 * that carried it (the operator's `emit` option can still ask for `'batch'` or
 * periodic emission).
 *
 * ```
 * records:    -a@3--m@8(mark)--b@9--n@12(mark)-     punctuation = mark ? ts : undefined
 * watermark:  ------W8-------------W12-------
 * ```
 *
 * A throwing `punctuation` errors the stream with a `UserFunctionError` naming
 * `punctuated` and the record; a non-finite result with an `InvalidTimestampError`.
 *
 * @example
 * const strategy = punctuated<Event>((e, ts) => (e.type === 'heartbeat' ? ts : undefined));
 * events$.pipe(assignTimestampsAndWatermarks(strategy)); // a watermark after each heartbeat
 * @param punctuation the function deciding each record's watermark.
 * @returns a {@link WatermarkStrategy} whose default emission is `'record'`.
 * @see boundedOutOfOrderness, monotonous
 */
export function punctuated<T>(punctuation: PunctuationFunction<T>): WatermarkStrategy<T> {
  if (typeof punctuation !== 'function') {
    throw new InvalidArgumentError('punctuated', 'punctuation', 'a function', punctuation);
  }
  return {
    emit: 'record',
    createGenerator(restored?: WatermarkGeneratorSnapshot): WatermarkGenerator<T> {
      checkSnapshot('punctuated', restored);
      return new PunctuatedGenerator<T>(punctuation, restored);
    },
  };
}
