import type { Observable, SchedulerLike } from 'rxjs';
import { configure } from 'rxjs-marbles/jest';
import { keyedProcess, type Element, type KeyedElement, type StateTtlConfig } from '../../src';
import { coldElements, expectElements, rec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

/** The records of these diagrams carry keys (rec(value, ts, key)): the stream is keyed. */
const keyed = <T>(elements: Observable<Element<T>>) => elements as Observable<KeyedElement<T, string>>;

/** 'w:X' writes X; 'r' reads. Every record emits what it read before writing. */
type Cmd = `w:${string}` | 'r';

const lastValue = (ttl: StateTtlConfig, scheduler: SchedulerLike) =>
  keyedProcess<Cmd, string, string>(
    (cmd, ctx, out) => {
      const last = ctx.getValueState('last', 'none', { ttl });
      out.collect(last.value());
      if (cmd.startsWith('w:')) last.update(cmd.slice(2));
    },
    { scheduler },
  );

describe('state TTL in processing time (the TestScheduler clock)', () => {
  // written at frame 1; read at 4 and 8; ttl 5 frames
  const input = '-a--b---c-|';
  const values = { a: rec<Cmd>('w:A', 1, 'k'), b: rec<Cmd>('r', 4, 'k'), c: rec<Cmd>('r', 8, 'k') };

  it(
    'onCreateAndWrite: the value lives 5 frames from its write, whatever reads it (expired at 6, read at 8)',
    marbles((m) => {
      const expected = '-x--y---z-(E|)';
      expectElements(m, keyed(coldElements(m, input, values)).pipe(lastValue({ ttl: 5 }, m.scheduler)), expected, {
        x: rec('none', 1),
        y: rec('A', 4),
        z: rec('none', 8),
      });
    }),
  );

  it(
    'onReadAndWrite: the read at 4 refreshes it, so it still lives at 8',
    marbles((m) => {
      const expected = '-x--y---z-(E|)';
      expectElements(m, keyed(coldElements(m, input, values)).pipe(lastValue({ ttl: 5, update: 'onReadAndWrite' }, m.scheduler)), expected, {
        x: rec('none', 1),
        y: rec('A', 4),
        z: rec('A', 8),
      });
    }),
  );

  it(
    'expires at exactly write + ttl: alive one frame before, gone at that frame',
    marbles((m) => {
      const exact = { a: rec<Cmd>('w:A', 1, 'k'), b: rec<Cmd>('r', 5, 'k'), c: rec<Cmd>('r', 6, 'k') };
      expectElements(m, keyed(coldElements(m, '-a---bc|', exact)).pipe(lastValue({ ttl: 5 }, m.scheduler)), '-x---yz(E|)', {
        x: rec('none', 1),
        y: rec('A', 5),
        z: rec('none', 6),
      });
    }),
  );
});

describe('state TTL in event time (driven by watermarks)', () => {
  it(
    'the clock is the watermark: written at W=0, alive while W < 10, expired from W=10 — however many frames pass',
    marbles((m) => {
      const input = '   -W-a--X-b-----Y-c-|';
      const values = { W: wm(0), a: rec<Cmd>('w:A', 1, 'k'), X: wm(9), b: rec<Cmd>('r', 12, 'k'), Y: wm(10), c: rec<Cmd>('r', 14, 'k') };
      const expected = '-W-x--X-y-----Y-z-(E|)';
      expectElements(m, keyed(coldElements(m, input, values)).pipe(lastValue({ ttl: 10, timeDomain: 'event' }, m.scheduler)), expected, {
        W: wm(0),
        x: rec('none', 1),
        X: wm(9),
        y: rec('A', 12),
        Y: wm(10),
        z: rec('none', 14),
      });
    }),
  );

  it(
    'keys expire independently: each from its own last write',
    marbles((m) => {
      const input = '   -W-a-b-X-c-d-|';
      const values = {
        W: wm(0),
        a: rec<Cmd>('w:A', 1, 'k1'),
        b: rec<Cmd>('w:B', 2, 'k2'),
        X: wm(5),
        c: rec<Cmd>('w:C', 6, 'k2'),
        d: rec<Cmd>('r', 7, 'k1'),
      };
      const ttl5 = keyedProcess<Cmd, string, string>(
        (cmd, ctx, out) => {
          const last = ctx.getValueState('last', 'none', { ttl: { ttl: 5, timeDomain: 'event' } });
          out.collect(`${ctx.key}:${last.value()}`);
          if (cmd.startsWith('w:')) last.update(cmd.slice(2));
        },
        { scheduler: m.scheduler },
      );
      // k1 written at W=0 is expired at W=5; k2 rewritten at W=5 reads B first (written at W=0 → expired too)
      const expected = '-W-x-y-X-z-v-(E|)';
      expectElements(m, keyed(coldElements(m, input, values)).pipe(ttl5), expected, {
        W: wm(0),
        x: rec('k1:none', 1),
        y: rec('k2:none', 2),
        X: wm(5),
        z: rec('k2:none', 6),
        v: rec('k1:none', 7),
      });
    }),
  );
});
