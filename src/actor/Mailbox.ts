/**
 * @internal
 * A message of a {@link Mailbox}: any object with a link field, which the
 * mailbox threads its queue through (so waiting costs no allocation).
 */
export interface MailboxMessage<M> {
  /** The next message waiting in the same mailbox: the mailbox's own field, never set it elsewhere. */
  nextInMailbox: M | undefined;
}

/** @internal Runs the messages of mailboxes (one handler may serve every mailbox of an operator). */
export interface MailboxHandler<M extends MailboxMessage<M>> {
  /**
   * Starts `message`; the work calls `mailbox.done(message)` when it has
   * finished — during this call for synchronous work, or later.
   */
  run(message: M, mailbox: LinkedMailbox<M>): void;
  /** The mailbox has run every message posted to it and is empty. */
  idle(mailbox: LinkedMailbox<M>): void;
}

/**
 * @internal
 * A run-to-completion mailbox whose messages are objects run by a handler
 * shared by many mailboxes: messages for one actor run one at a time, in
 * arrival order. A message posted to an idle mailbox runs at once, without
 * being queued; one posted while another runs waits, linked through the
 * message itself, so a mailbox costs no allocation per message. The handler
 * starts a message, and the message's work calls `done` when it has finished
 * (at once for synchronous work: the mailbox then runs the next one in a
 * loop, not recursively). The handler hears when the mailbox is empty, so
 * idle actors can be reclaimed.
 */
export class LinkedMailbox<M extends MailboxMessage<M>> {
  private first: M | undefined = undefined;
  private last: M | undefined = undefined;
  private waiting = 0;
  private current: M | undefined = undefined;
  private inRun = false;
  private finishedInRun = false;

  constructor(private readonly handler: MailboxHandler<M>) {}

  /** Messages waiting (not counting the one running). */
  get depth(): number {
    return this.waiting;
  }

  /** True while a message runs. */
  get isBusy(): boolean {
    return this.current !== undefined;
  }

  /** The message running now, if any. */
  get running(): M | undefined {
    return this.current;
  }

  /** Adds a message; runs it now if the mailbox is idle. */
  post(message: M): void {
    message.nextInMailbox = undefined;
    if (this.current === undefined) {
      this.runFrom(message);
      return;
    }
    if (this.last === undefined) this.first = message;
    else this.last.nextInMailbox = message;
    this.last = message;
    this.waiting++;
  }

  /** Says that `message` (the one running) has finished; a second call, or one for another message, is ignored. */
  done(message: M): void {
    if (message !== this.current) return;
    if (this.inRun) {
      this.finishedInRun = true;
      return;
    }
    const next = this.shift();
    if (next === undefined) {
      this.current = undefined;
      this.handler.idle(this);
    } else this.runFrom(next);
  }

  private shift(): M | undefined {
    const m = this.first;
    if (m === undefined) return undefined;
    this.first = m.nextInMailbox;
    if (this.first === undefined) this.last = undefined;
    m.nextInMailbox = undefined;
    this.waiting--;
    return m;
  }

  private runFrom(message: M): void {
    let m: M | undefined = message;
    while (m !== undefined) {
      this.current = m;
      this.finishedInRun = false;
      this.inRun = true;
      try {
        this.handler.run(m, this);
      } finally {
        this.inRun = false;
      }
      if (!this.finishedInRun) return; // asynchronous: done() resumes the loop
      m = this.shift();
    }
    this.current = undefined;
    this.handler.idle(this);
  }
}

/** A message of {@link Mailbox}, as its linked mailbox holds it. */
interface CallbackMessage {
  readonly start: (done: () => void) => void;
  nextInMailbox: CallbackMessage | undefined;
}

/**
 * @internal
 * A run-to-completion mailbox: messages for one actor run one at a time, in
 * arrival order. A message is a function that starts the work and calls
 * `done` when it has finished (at once for synchronous work). The mailbox
 * tells its owner when it is empty, so idle actors can be reclaimed.
 * (The closure-per-message form of {@link LinkedMailbox}.)
 */
export class Mailbox {
  private readonly box: LinkedMailbox<CallbackMessage>;

  constructor(onIdle: () => void) {
    this.box = new LinkedMailbox<CallbackMessage>({
      run: (message, box) => message.start(() => box.done(message)),
      idle: onIdle,
    });
  }

  /** Messages waiting (not counting the one running). */
  get depth(): number {
    return this.box.depth;
  }

  /** True while a message runs. */
  get isBusy(): boolean {
    return this.box.isBusy;
  }

  /** Adds a message; runs it now if the mailbox is idle. */
  post(message: (done: () => void) => void): void {
    this.box.post({ start: message, nextInMailbox: undefined });
  }
}
