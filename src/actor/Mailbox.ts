/**
 * @internal
 * A run-to-completion mailbox: messages for one actor run one at a time, in
 * arrival order. A message is a function that starts the work and calls
 * `done` when it has finished (at once for synchronous work). The mailbox
 * tells its owner when it is empty, so idle actors can be reclaimed.
 */
export class Mailbox {
  private readonly queue: ((done: () => void) => void)[] = [];
  private busy = false;

  constructor(private readonly onIdle: () => void) {}

  /** Messages waiting (not counting the one running). */
  get depth(): number {
    return this.queue.length;
  }

  /** True while a message runs. */
  get isBusy(): boolean {
    return this.busy;
  }

  /** Adds a message; runs it now if the mailbox is idle. */
  post(message: (done: () => void) => void): void {
    this.queue.push(message);
    if (!this.busy) this.runNext();
  }

  private runNext(): void {
    for (;;) {
      const message = this.queue.shift();
      if (message === undefined) {
        this.busy = false;
        this.onIdle();
        return;
      }
      this.busy = true;
      let finishedSync = false;
      let inCall = true;
      let called = false;
      message(() => {
        if (called) return;
        called = true;
        if (inCall) finishedSync = true;
        else this.runNext();
      });
      inCall = false;
      if (!finishedSync) return; // asynchronous: done() resumes the loop
    }
  }
}
