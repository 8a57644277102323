/**
 * @internal
 * Back-pressure from an operator to the sources upstream of it.
 *
 * RxJS pushes and has no demand channel; but a subscription runs
 * synchronously from the sink up to the sources. An operator that must bound
 * its in-flight work subscribes to its input inside {@link withFlowGate};
 * every source subscribed during that call captures the gate (see
 * {@link currentFlowGates}) and stops producing while it is closed. Sources
 * that can pause (collections, iterables, async iterables, files) do; a plain
 * pushing Observable cannot, and is buffered.
 */
export class FlowGate {
  private closed = false;
  private waiters: (() => void)[] = [];

  /** True when upstream may produce. */
  get isOpen(): boolean {
    return !this.closed;
  }

  /** Asks upstream to pause. */
  close(): void {
    this.closed = true;
  }

  /** Lets upstream resume; wakes the waiting sources. */
  open(): void {
    if (!this.closed) return;
    this.closed = false;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Calls `resume` once the gate is open (at once if it is). */
  whenOpen(resume: () => void): void {
    if (!this.closed) resume();
    else this.waiters.push(resume);
  }
}

const stack: FlowGate[] = [];

/** @internal Runs `subscribe` with `gate` visible to the sources it subscribes. */
export function withFlowGate<T>(gate: FlowGate, subscribe: () => T): T {
  stack.push(gate);
  try {
    return subscribe();
  } finally {
    stack.pop();
  }
}

/** @internal The gates of the operators downstream of a source being subscribed now. */
export function currentFlowGates(): readonly FlowGate[] {
  return stack.length === 0 ? NONE : stack.slice();
}

const NONE: readonly FlowGate[] = [];

/** @internal True when every gate is open. */
export function gatesOpen(gates: readonly FlowGate[]): boolean {
  for (let i = 0; i < gates.length; i++) if (!gates[i].isOpen) return false;
  return true;
}

/** @internal Calls `resume` once every gate is open. */
export function whenGatesOpen(gates: readonly FlowGate[], resume: () => void): void {
  for (const g of gates) {
    if (!g.isOpen) {
      g.whenOpen(() => whenGatesOpen(gates, resume));
      return;
    }
  }
  resume();
}
