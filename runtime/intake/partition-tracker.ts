// The commit watermark of one partition. Each handed-over batch is a ticket that completes when
// every delivery and dead letter made from it is done; tickets complete in any order, but the
// committed offset only moves past a ticket once it and every earlier ticket are complete.
export interface Ticket {
  /** One more piece of work (a delivery, a dead letter) must finish before the ticket completes. */
  expect(): () => void;
  /** Tracks a promise as one piece of work. */
  track(work: Promise<unknown>): void;
  /** No more work will be added. */
  seal(): void;
}

interface TicketState {
  readonly endOffset: number;
  readonly records: number;
  pending: number;
  sealed: boolean;
}

export class PartitionTracker {
  private readonly tickets: TicketState[] = [];
  private waiters: Array<() => void> = [];
  private closed = false;
  inFlightRecords = 0;

  constructor(
    private readonly maxInFlightBatches: number,
    private readonly commit: (offset: number) => void,
    private readonly onWorkError: (err: unknown) => void = () => {},
  ) {}

  get openTickets(): number {
    return this.tickets.length;
  }

  /** Resolves true when another batch may be handed over, false when the tracker was closed. */
  async capacity(): Promise<boolean> {
    while (!this.closed && this.tickets.length >= this.maxInFlightBatches) await this.changed();
    return !this.closed;
  }

  /** Resolves once every handed-over batch is complete (and committed). */
  async drained(): Promise<void> {
    while (this.tickets.length > 0) await this.changed();
  }

  /** Stops intake: pending capacity waits resolve false. */
  close(): void {
    this.closed = true;
    this.notify();
  }

  /** Forgets every open ticket without committing; capacity and drain waits end at once. */
  abandon(): void {
    this.closed = true;
    this.tickets.length = 0;
    this.inFlightRecords = 0;
    this.notify();
  }

  open(endOffset: number, records: number): Ticket {
    const state: TicketState = { endOffset, records, pending: 0, sealed: false };
    this.tickets.push(state);
    this.inFlightRecords += records;
    const finishOne = () => {
      state.pending--;
      if (state.sealed && state.pending === 0) this.advance();
    };
    return {
      expect: () => {
        state.pending++;
        let called = false;
        return () => {
          if (called) return;
          called = true;
          finishOne();
        };
      },
      track: (work) => {
        state.pending++;
        work.then(finishOne, (err) => this.onWorkError(err));
      },
      seal: () => {
        state.sealed = true;
        if (state.pending === 0) this.advance();
      },
    };
  }

  private advance(): void {
    let committed: number | undefined;
    while (this.tickets.length > 0) {
      const head = this.tickets[0]!;
      if (!head.sealed || head.pending > 0) break;
      this.tickets.shift();
      this.inFlightRecords -= head.records;
      committed = head.endOffset;
    }
    if (committed !== undefined) {
      this.commit(committed);
      this.notify();
    }
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
