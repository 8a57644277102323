/**
 * The actor primitives: a run-to-completion Mailbox (one message at a time,
 * in arrival order, synchronous and asynchronous messages mixed, idle
 * notification for reclaiming) and the FlowGate back-pressure signal with its
 * subscription-time context (withFlowGate / currentFlowGates).
 */
import fc from 'fast-check';
import { currentFlowGates, FlowGate, gatesOpen, whenGatesOpen, withFlowGate } from '../src/actor/FlowGate';
import { Mailbox } from '../src/actor/Mailbox';

describe('Mailbox', () => {
  it('runs synchronous messages at once, in order, and reports idle after each burst', () => {
    const log: string[] = [];
    const box = new Mailbox(() => log.push('idle'));
    box.post((done) => {
      log.push('a');
      done();
    });
    box.post((done) => {
      log.push('b');
      done();
    });
    expect(log).toEqual(['a', 'idle', 'b', 'idle']);
    expect(box.isBusy).toBe(false);
  });

  it('queues messages behind an asynchronous one and runs them when it calls done()', () => {
    const log: string[] = [];
    const box = new Mailbox(() => log.push('idle'));
    let finishA!: () => void;
    box.post((done) => {
      log.push('a:start');
      finishA = () => {
        log.push('a:end');
        done();
      };
    });
    box.post((done) => {
      log.push('b');
      done();
    });
    box.post((done) => {
      log.push('c');
      done();
    });
    expect(log).toEqual(['a:start']);
    expect(box.isBusy).toBe(true);
    expect(box.depth).toBe(2);
    finishA();
    expect(log).toEqual(['a:start', 'a:end', 'b', 'c', 'idle']);
    expect(box.depth).toBe(0);
  });

  it('ignores a second done() from the same message', () => {
    const log: string[] = [];
    const box = new Mailbox(() => log.push('idle'));
    let again!: () => void;
    box.post((done) => {
      again = done;
      done();
    });
    box.post((done) => {
      log.push('b:start');
      setTimeout(done, 0);
    });
    again(); // must not start anything or report idle while b runs
    expect(log).toEqual(['idle', 'b:start']);
    expect(box.isBusy).toBe(true);
  });

  it('runs a message posted from inside a running message after it (run to completion)', () => {
    const log: string[] = [];
    const box = new Mailbox(() => undefined);
    box.post((done) => {
      box.post((d) => {
        log.push('inner');
        d();
      });
      log.push('outer');
      done();
    });
    expect(log).toEqual(['outer', 'inner']);
  });

  it('runs any mix of synchronous and asynchronous messages one at a time, in arrival order (fast-check, real timers)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }), { minLength: 1, maxLength: 20 }), async (delays) => {
        const order: number[] = [];
        let running = 0;
        let maxRunning = 0;
        let idles = 0;
        let resolveAll!: () => void;
        const allDone = new Promise<void>((r) => (resolveAll = r));
        let finished = 0;
        const box = new Mailbox(() => idles++);
        delays.forEach((delay, i) => {
          box.post((done) => {
            running++;
            maxRunning = Math.max(maxRunning, running);
            order.push(i);
            const end = () => {
              running--;
              if (++finished === delays.length) resolveAll();
              done();
            };
            if (delay === undefined) end();
            else setTimeout(end, delay);
          });
        });
        await allDone;
        expect(order).toEqual(delays.map((_, i) => i));
        expect(maxRunning).toBe(1);
        expect(box.isBusy).toBe(false);
        expect(idles).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 30 },
    );
  });
});

describe('FlowGate', () => {
  it('is open until closed; open() wakes the waiters once, in order', () => {
    const gate = new FlowGate();
    const log: string[] = [];
    expect(gate.isOpen).toBe(true);
    gate.whenOpen(() => log.push('at once'));
    gate.close();
    expect(gate.isOpen).toBe(false);
    gate.whenOpen(() => log.push('w1'));
    gate.whenOpen(() => log.push('w2'));
    expect(log).toEqual(['at once']);
    gate.open();
    gate.open();
    expect(log).toEqual(['at once', 'w1', 'w2']);
  });

  it('is visible to sources subscribed inside withFlowGate, nested gates included, and nowhere else', () => {
    const outer = new FlowGate();
    const inner = new FlowGate();
    expect(currentFlowGates()).toEqual([]);
    const seen = withFlowGate(outer, () => withFlowGate(inner, () => currentFlowGates()));
    expect(seen).toEqual([outer, inner]);
    expect(currentFlowGates()).toEqual([]);
    // the context is popped even when the subscription throws
    expect(() =>
      withFlowGate(outer, () => {
        throw new Error('x');
      }),
    ).toThrow('x');
    expect(currentFlowGates()).toEqual([]);
  });

  it('whenGatesOpen resumes only once every gate is open', () => {
    const a = new FlowGate();
    const b = new FlowGate();
    let resumed = 0;
    a.close();
    b.close();
    expect(gatesOpen([a, b])).toBe(false);
    whenGatesOpen([a, b], () => resumed++);
    a.open();
    expect(resumed).toBe(0);
    a.close();
    b.open();
    expect(resumed).toBe(0);
    a.open();
    expect(resumed).toBe(1);
    expect(gatesOpen([a, b])).toBe(true);
  });
});
