import type { Timestamp } from '../core/types';

/**
 * @internal
 * Timers grouped by due time: one bucket per distinct time (entries in
 * registration order) and a min-heap of those times, so the operator schedules
 * one action per distinct time, not per timer. Deduplication per (owner, time)
 * is the owner's job (its list of registered times); entries whose owner
 * deleted the timer are skipped when the bucket fires.
 */
export class TimerQueue<E> {
  private readonly byTime = new Map<Timestamp, E[]>();
  private readonly heap: Timestamp[] = [];

  /** Adds `entry` at `time`; returns true when `time` is a new distinct time. */
  add(time: Timestamp, entry: E): boolean {
    const bucket = this.byTime.get(time);
    if (bucket !== undefined) {
      bucket.push(entry);
      return false;
    }
    this.byTime.set(time, [entry]);
    const heap = this.heap;
    let i = heap.length;
    heap.push(time);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent] <= time) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = time;
    return true;
  }

  /** The earliest time with a bucket, or undefined. */
  peek(): Timestamp | undefined {
    return this.heap[0];
  }

  /** Removes and returns the earliest time's bucket if due at or before `limit`. */
  pollDue(limit: Timestamp): { time: Timestamp; entries: E[] } | undefined {
    const time = this.heap[0];
    if (time === undefined || time > limit) return undefined;
    this.popHeap();
    const entries = this.byTime.get(time)!;
    this.byTime.delete(time);
    return { time, entries };
  }

  /** Removes and returns the bucket at exactly `time`, if any (heap entry removed lazily). */
  take(time: Timestamp): E[] | undefined {
    const entries = this.byTime.get(time);
    if (entries === undefined) return undefined;
    this.byTime.delete(time);
    if (this.heap[0] === time) this.popHeap();
    else this.staleTimes++;
    return entries;
  }

  /** The buckets, in order of time, each with its entries in registration order (for snapshots). */
  buckets(): [Timestamp, readonly E[]][] {
    return [...this.byTime.entries()].sort((a, b) => a[0] - b[0]);
  }

  /** The number of distinct times pending. */
  get size(): number {
    return this.byTime.size;
  }

  private staleTimes = 0;

  private popHeap(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const child = r < n && heap[r] < heap[l] ? r : l;
        if (heap[child] >= last) break;
        heap[i] = heap[child];
        i = child;
      }
      heap[i] = last;
    }
    // Drop times whose bucket was taken out of order.
    while (this.staleTimes > 0 && heap.length > 0 && !this.byTime.has(heap[0])) {
      this.staleTimes--;
      this.popHeap();
    }
  }
}
