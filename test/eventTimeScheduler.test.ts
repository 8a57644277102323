/**
 * The EventTimeScheduler as an RxJS SchedulerLike: ordering, re-scheduling
 * from inside work, unsubscription, a clock that never goes backwards, and
 * RxJS's own time operators driven by it.
 */
import { bufferTime, debounceTime, delay, Subject, throttleTime, timeout, type SchedulerAction } from 'rxjs';
import { MAX_WATERMARK, MIN_WATERMARK } from '../src/core/time';
import { EventTimeScheduler } from '../src/time/EventTimeScheduler';

describe('EventTimeScheduler', () => {
  it('starts at MIN_WATERMARK, a finite floor, unless told otherwise', () => {
    expect(new EventTimeScheduler().now()).toBe(MIN_WATERMARK);
    expect(Number.isFinite(new EventTimeScheduler().now())).toBe(true);
    expect(new EventTimeScheduler(100).now()).toBe(100);
  });

  it('runs actions by due time, then by scheduling order, with now() at each due time', () => {
    const s = new EventTimeScheduler(0);
    const ran: string[] = [];
    const log = (name: string) => () => ran.push(`${name}@${s.now()}`);
    s.schedule(log('a'), 10);
    s.schedule(log('b'), 5);
    s.schedule(log('c'), 10);
    s.schedule(log('d'), 5);
    s.schedule(log('e'), 0);
    expect(s.pending).toBe(5);
    expect(s.peekDue()).toBe(0);
    s.advanceTo(7);
    expect(ran).toEqual(['e@0', 'b@5', 'd@5']);
    expect(s.now()).toBe(7);
    s.advanceTo(10);
    expect(ran).toEqual(['e@0', 'b@5', 'd@5', 'a@10', 'c@10']);
    expect(s.pending).toBe(0);
    expect(s.peekDue()).toBeUndefined();
  });

  it('runs an action due exactly at the watermark (W ≥ due)', () => {
    const s = new EventTimeScheduler(0);
    const ran: number[] = [];
    s.schedule(() => ran.push(s.now()), 9);
    s.advanceTo(8);
    expect(ran).toEqual([]);
    s.advanceTo(9);
    expect(ran).toEqual([9]);
  });

  it('re-schedules from inside work, as periodic operators do, within the same advance', () => {
    const s = new EventTimeScheduler(0);
    const ticks: number[] = [];
    s.schedule<number>(function (this: SchedulerAction<number>, n = 0) {
      ticks.push(s.now());
      if (n < 4) this.schedule(n + 1, 10);
    }, 10);
    s.advanceTo(35);
    expect(ticks).toEqual([10, 20, 30]);
    expect(s.peekDue()).toBe(40);
    s.advanceTo(1000);
    expect(ticks).toEqual([10, 20, 30, 40, 50]);
  });

  it('runs a new action scheduled with delay 0 from inside work in the same advance, after those already due', () => {
    const s = new EventTimeScheduler(0);
    const ran: string[] = [];
    s.schedule(() => {
      ran.push('a');
      s.schedule(() => ran.push(`nested@${s.now()}`), 0);
    }, 5);
    s.schedule(() => ran.push('b'), 5);
    s.advanceTo(5);
    expect(ran).toEqual(['a', 'b', 'nested@5']);
  });

  it('never runs an unsubscribed action, and a re-scheduled one only at its new time', () => {
    const s = new EventTimeScheduler(0);
    const ran: string[] = [];
    const a = s.schedule(() => ran.push('a'), 5);
    const b = s.schedule(function (this: SchedulerAction<string>, tag) {
      ran.push(`b:${tag}@${s.now()}`);
    }, 5, 'first');
    a.unsubscribe();
    (b as unknown as SchedulerAction<string>).schedule('second', 20);
    expect(s.pending).toBe(1);
    s.advanceTo(10);
    expect(ran).toEqual([]);
    s.advanceTo(20);
    expect(ran).toEqual(['b:second@20']);
    a.unsubscribe(); // idempotent
  });

  it('never goes backwards: advanceTo and setClock to an earlier time are ignored', () => {
    const s = new EventTimeScheduler(0);
    s.advanceTo(50);
    s.advanceTo(20);
    expect(s.now()).toBe(50);
    s.setClock(30);
    expect(s.now()).toBe(50);
    // an action scheduled with a negative delay is due in the past: it runs at the next advance, clock unmoved
    const ran: number[] = [];
    s.schedule(() => ran.push(s.now()), -10);
    s.advanceTo(50);
    expect(ran).toEqual([50]);
  });

  it('setClock moves the clock forward without running anything', () => {
    const s = new EventTimeScheduler();
    const ran: number[] = [];
    s.schedule(() => ran.push(s.now()), 0); // due at MIN_WATERMARK
    s.setClock(1_000);
    expect(s.now()).toBe(1_000);
    expect(ran).toEqual([]);
    s.advanceTo(1_000); // runs late, at the clock (which never goes back)
    expect(ran).toEqual([1_000]);
    // delays count from the clock that setClock set
    s.schedule(() => ran.push(s.now()), 10);
    s.advanceTo(1_010);
    expect(ran).toEqual([1_000, 1_010]);
  });

  it('runs an action with a non-finite delay at the maximum watermark', () => {
    const s = new EventTimeScheduler(0);
    const ran: number[] = [];
    s.schedule(() => ran.push(s.now()), Infinity);
    s.advanceTo(1e12);
    expect(ran).toEqual([]);
    s.advanceTo(MAX_WATERMARK);
    expect(ran).toEqual([MAX_WATERMARK]);
  });

  it('ignores advanceTo from inside an action (no re-entrance)', () => {
    const s = new EventTimeScheduler(0);
    const ran: string[] = [];
    s.schedule(() => {
      ran.push(`a@${s.now()}`);
      s.advanceTo(100);
    }, 5);
    s.schedule(() => ran.push(`b@${s.now()}`), 50);
    s.advanceTo(10);
    expect(ran).toEqual(['a@5']);
    expect(s.now()).toBe(10);
  });

  it('propagates an error thrown by an action and stays at its due time, then resumes', () => {
    const s = new EventTimeScheduler(0);
    const ran: number[] = [];
    s.schedule(() => {
      throw new Error('boom');
    }, 5);
    s.schedule(() => ran.push(s.now()), 8);
    expect(() => s.advanceTo(10)).toThrow('boom');
    expect(s.now()).toBe(5);
    s.advanceTo(10);
    expect(ran).toEqual([8]);
  });

  describe('drives RxJS time operators by watermark', () => {
    const feed = <R>(op: (s: EventTimeScheduler) => (src: Subject<number>) => import('rxjs').Observable<R>) => {
      const s = new EventTimeScheduler(0);
      const input = new Subject<number>();
      const out: [R, number][] = [];
      op(s)(input).subscribe((v) => out.push([v, s.now()]));
      /** Sends `value` with the clock advanced to `at` (actions due ≤ at run first). */
      const at = (t: number, value?: number) => {
        s.advanceTo(t);
        if (value !== undefined) input.next(value);
      };
      return { s, input, out, at };
    };

    it('bufferTime: periods [0,10), [10,20): a record at 10 opens the second', () => {
      const { out, at } = feed((s) => bufferTime<number>(10, s));
      at(1, 1);
      at(9, 9);
      at(10, 10);
      at(25);
      expect(out).toEqual([
        [[1, 9], 10],
        [[10], 20],
      ]);
    });

    it('debounceTime: emits after 5 ms of event time without records', () => {
      const { out, at } = feed((s) => debounceTime<number>(5, s));
      at(1, 1);
      at(3, 3);
      at(10, 10);
      at(30);
      expect(out).toEqual([
        [3, 8],
        [10, 15],
      ]);
    });

    it('delay: shifts each value by 5 ms of event time', () => {
      const { out, at } = feed((s) => delay<number>(5, s));
      at(1, 1);
      at(2, 2);
      at(20);
      expect(out).toEqual([
        [1, 6],
        [2, 7],
      ]);
    });

    it('throttleTime: one value per 10 ms of event time', () => {
      const { out, at } = feed((s) => throttleTime<number>(10, s));
      at(0, 0);
      at(5, 5);
      at(10, 10);
      at(30);
      expect(out).toEqual([
        [0, 0],
        [10, 10],
      ]);
    });

    it('timeout: errors when 10 ms of event time pass without a value', () => {
      const s = new EventTimeScheduler(0);
      const input = new Subject<number>();
      let error: unknown;
      input.pipe(timeout({ each: 10, scheduler: s })).subscribe({ error: (e) => (error = [(e as Error).name, s.now()]) });
      s.advanceTo(5);
      input.next(5);
      s.advanceTo(14);
      expect(error).toBeUndefined();
      s.advanceTo(15);
      expect(error).toEqual(['TimeoutError', 15]);
    });
  });
});
