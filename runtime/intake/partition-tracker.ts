// The commit watermark of one partition. Each handed-over batch is tracked with one promise, the
// work made from it (its deliveries and dead letters); batches complete in any order, but the
// committed offset only moves past a batch once it and every earlier batch are complete. Work that
// fails holds the commit where it is, visibly: whoever made the work reports the failure.
interface TrackedBatch {
  readonly endOffset: number;
  readonly records: number;
  done: boolean;
}

export class PartitionTracker {
  private readonly batches: TrackedBatch[] = [];
  private waiters: Array<() => void> = [];
  private closed = false;
  inFlightRecords = 0;

  constructor(
    private readonly maxInFlightBatches: number,
    private readonly commit: (offset: number) => void,
  ) {}

  /** Resolves true when another batch may be handed over, false when the tracker was closed. */
  async capacity(): Promise<boolean> {
    while (!this.closed && this.batches.length >= this.maxInFlightBatches) await this.changed();
    return !this.closed;
  }

  /** Resolves once every handed-over batch is complete (and committed). */
  async drained(): Promise<void> {
    while (this.batches.length > 0) await this.changed();
  }

  /** Stops intake: pending capacity waits resolve false. */
  close(): void {
    this.closed = true;
    this.notify();
  }

  /** Forgets every open batch without committing; capacity and drain waits end at once. */
  abandon(): void {
    this.closed = true;
    this.batches.length = 0;
    this.inFlightRecords = 0;
    this.notify();
  }

  /** A batch of `records` records ending before `endOffset`, complete once `work` resolves. */
  track(endOffset: number, records: number, work: Promise<unknown>): void {
    const batch: TrackedBatch = { endOffset, records, done: false };
    this.batches.push(batch);
    this.inFlightRecords += records;
    work.then(
      () => {
        batch.done = true;
        this.advance();
      },
      () => undefined, // held: the partition is not committed past it
    );
  }

  private advance(): void {
    let committed: number | undefined;
    while (this.batches[0]?.done) {
      const head = this.batches.shift()!;
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
