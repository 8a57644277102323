import type { Subscriber } from 'rxjs';
import type { Element, RecordBatch } from '../../core/Element';
import { recordBatch, sideOutputBatch } from '../../core/elementFactories';
import { StreamLiteError, UserFunctionError } from '../../core/errors';
import type { Timestamp } from '../../core/types';
import { Counter } from '../../metrics/Counter';
import type { MetricRegistry } from '../../metrics/MetricRegistry';
import type { Collector } from '../../operators/process';
import type { OutputTag } from '../../route/OutputTag';
import type { PaneInfo } from '../PaneInfo';
import type { ProcessWindowContext, WindowUserState } from '../windowInternals';

const LATE_COUNTER = 'streamlite_late_records_dropped_total';
const LATE_HELP = 'Records dropped as late from every window (sent to the late output when one is set).';

/**
 * @internal
 * What every window engine emits, gathered between flushes: results, late
 * records (counted in `streamlite_late_records_dropped_total{operator=name}`,
 * and sent to the late output when there is one) and process functions' side
 * outputs. `flush()` sends each as one batch, results first.
 */
export class WindowOutput<T, OUT> {
  /** Results gathered since the last flush (pushed directly on hot paths, with `timestamps`). */
  values: OUT[] = [];
  timestamps: Timestamp[] = [];
  readonly lateCounter: Counter;
  private lateValues: T[] = [];
  private lateTimestamps: Timestamp[] = [];
  private sides: Map<OutputTag<unknown>, { values: unknown[]; timestamps: Timestamp[] }> | undefined;

  constructor(
    private readonly out: Subscriber<Element<unknown>>,
    private readonly lateOutput: OutputTag<T> | undefined,
    name: string,
    metrics: MetricRegistry | undefined,
  ) {
    this.lateCounter = metrics?.counter(LATE_COUNTER, { operator: name }, LATE_HELP) ?? new Counter(LATE_COUNTER, { operator: name });
  }

  /** A record late for every window: counted, and kept for the late output. */
  late(value: T, timestamp: Timestamp): void {
    this.lateCounter.inc();
    if (this.lateOutput !== undefined) {
      this.lateValues.push(value);
      this.lateTimestamps.push(timestamp);
    }
  }

  /** A value for the side output `tag`. */
  side(tag: OutputTag<unknown>, value: unknown, timestamp: Timestamp): void {
    this.sides ??= new Map();
    let side = this.sides.get(tag);
    if (side === undefined) {
      side = { values: [], timestamps: [] };
      this.sides.set(tag, side);
    }
    side.values.push(value);
    side.timestamps.push(timestamp);
  }

  /** Emits what was gathered: the results, then the late records, then side outputs, one batch each. */
  flush(): void {
    if (this.values.length > 0) {
      const b = recordBatch(this.values, this.timestamps);
      this.values = [];
      this.timestamps = [];
      this.out.next(b as RecordBatch<unknown>);
    }
    if (this.lateValues.length > 0 && this.lateOutput !== undefined) {
      const b = sideOutputBatch(this.lateOutput, recordBatch(this.lateValues, this.lateTimestamps));
      this.lateValues = [];
      this.lateTimestamps = [];
      this.out.next(b);
    }
    if (this.sides !== undefined) {
      const sides = this.sides;
      this.sides = undefined;
      for (const [tag, side] of sides) this.out.next(sideOutputBatch(tag, recordBatch(side.values, side.timestamps)));
    }
  }
}

/** @internal What a window process function is called for. */
export interface ProcessCall<K> {
  readonly key: K;
  readonly start: Timestamp;
  readonly end: Timestamp;
  readonly pane: PaneInfo;
  readonly currentWatermark: Timestamp;
  readonly currentProcessingTime: Timestamp;
  /** The window's user state (created on first use). */
  readonly windowState: () => Map<string, unknown>;
  /** The key's user state across its windows. */
  readonly globalState: Map<string, unknown>;
}

/**
 * @internal
 * Calls a window process function with its context and collector: results
 * and side outputs go to `output` with the window's `end − 1` as timestamp
 * (unless given), the context refuses use after the call returned, and a
 * user error is wrapped with the window and key.
 */
export function runWindowProcess<K, OUT>(
  output: WindowOutput<unknown, OUT>,
  name: string,
  w: ProcessCall<K>,
  call: (ctx: ProcessWindowContext<K>, out: Collector<OUT>) => void,
): void {
  const ts = w.end - 1;
  let active = true;
  const check = (): void => {
    if (!active) throw new StreamLiteError(name, 'the window context was used after the process function returned');
  };
  const out: Collector<OUT> = {
    collect: (value) => {
      check();
      output.values.push(value);
      output.timestamps.push(ts);
    },
    collectWithTimestamp: (value, timestamp) => {
      check();
      output.values.push(value);
      output.timestamps.push(timestamp);
    },
  };
  const ctx: ProcessWindowContext<K> = {
    key: w.key,
    window: { start: w.start, end: w.end },
    pane: w.pane,
    currentWatermark: w.currentWatermark,
    currentProcessingTime: w.currentProcessingTime,
    windowState: userState(w.windowState),
    globalState: userState(() => w.globalState),
    output: <X>(tag: OutputTag<X>, value: X) => {
      check();
      output.side(tag as OutputTag<unknown>, value, ts);
    },
  };
  try {
    call(ctx, out);
  } catch (err) {
    if (err instanceof StreamLiteError) throw err;
    throw new UserFunctionError(name, { value: `window [${w.start}, ${w.end})`, key: w.key }, err);
  } finally {
    active = false;
  }
}

function userState(map: () => Map<string, unknown>): WindowUserState {
  return {
    get: <S>(name: string, initial: S) => (map().has(name) ? (map().get(name) as S) : initial),
    set: <S>(name: string, value: S) => void map().set(name, value),
    clear: (name: string) => void map().delete(name),
  };
}
