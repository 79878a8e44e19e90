// Keeps the in-process log's group commits in the event store, so the next incarnation knows what
// each group had processed (event-log-restore.ts). Commits are coalesced and written every `intervalMs`:
// one that is lost in a crash only means some records are delivered again, which actors skip.
// A commit is written only once the store holds what the log held when it was made (`storedNow`):
// the records a group processed may have emitted events the store does not have yet, and a commit
// that outlived them would make the next start skip the records that would emit them again.
import type { Logger } from 'pino';
import { tpKey, type TopicPartition } from '../ports/event-log.js';
import type { ConsumedOffset, EventStore } from '../ports/event-store.js';

export class CommitJournal {
  private dirty = new Map<string, ConsumedOffset>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly store: EventStore,
    private readonly log: Logger,
    private readonly intervalMs = 200,
    /** Resolves true once the store holds every record the log holds now (false: not yet, try later). */
    private readonly storedNow: () => Promise<boolean> = async () => true,
  ) {}

  record(groupId: string, tp: TopicPartition, offset: number): void {
    if (this.closed) return; // a straggler after the final flush: its store is closing
    this.dirty.set(`${groupId}\u0000${tpKey(tp)}`, { groupId, topic: tp.topic, partition: tp.partition, offset });
    this.schedule();
  }

  private schedule(): void {
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.intervalMs);
      this.timer.unref();
    }
  }

  /** Writes what is pending; a failure keeps it for the next commit to retry (and is logged). */
  flush(): Promise<void> {
    this.writing = this.writing.then(async () => {
      if (this.dirty.size === 0) return;
      const batch = this.dirty;
      this.dirty = new Map();
      const keepForLater = () => {
        for (const [k, v] of batch) if (!this.dirty.has(k)) this.dirty.set(k, v);
      };
      if (!(await this.storedNow())) {
        keepForLater();
        if (!this.closed) this.schedule();
        return;
      }
      try {
        await this.store.append([], [...batch.values()]);
      } catch (err) {
        keepForLater();
        if (this.closed) {
          this.log.warn({ err, pending: this.dirty.size }, 'group commits not written to the event store; the next start delivers those records again');
        } else {
          this.log.warn({ err, pending: this.dirty.size }, 'group commits not written to the event store; retrying');
        }
      }
    });
    return this.writing;
  }

  /** Final flush (graceful stop): the timer is cancelled and later commits are not recorded. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.closed = true;
    await this.flush();
  }

  /** Commits not yet written. */
  get pending(): number {
    return this.dirty.size;
  }
}
