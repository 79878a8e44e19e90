// How far the feed may run ahead of the pipeline on a log that keeps the backlog itself (Kafka):
// brokers and consumers always have work queued, yet a stop drains in seconds. Reading how far the
// groups are behind is a round of lookups, so it is done once per `maxBehind` events published:
// the feed waits while the furthest-behind group has more than `maxBehind` records to go.
export class FeedWindow {
  private slack = 0;

  constructor(
    /** Records the furthest-behind group has not committed yet. */
    private readonly behind: () => Promise<number>,
    private readonly maxBehind: number,
    private readonly pollMs = 2,
  ) {}

  /** Told how many events went out; resolves once more may go. */
  async admit(published: number): Promise<void> {
    this.slack -= published;
    if (this.slack > 0) return;
    while ((await this.behind()) > this.maxBehind) await new Promise((resolve) => setTimeout(resolve, this.pollMs));
    this.slack = this.maxBehind;
  }
}
