// Pumps a feed into the event log in chunks. After each chunk it waits until the runtime has
// processed everything (so memory stays bounded and, because the wait ends in the same state every
// time, a run with the same seed and event count interleaves partitions identically). The chunk
// boundaries are therefore part of a seeded run's result: they are the same with and without
// pacing, which only decides when each chunk is published.
import type { Envelope } from '../../runtime/events/envelope.js';
import type { Feed } from '../../runtime/ports/feed.js';
import type { Publisher } from '../../runtime/intake/publisher.js';

export interface FeedPumpOptions {
  readonly feed: Feed;
  readonly publisher: Publisher;
  /** Resolves once everything published so far has been processed. */
  readonly drained: () => Promise<void>;
  /**
   * Told how many events a chunk published; resolves once the next chunk may go out. Default: the
   * chunk is drained. A log that keeps the backlog itself (Kafka) lets the pump run ahead of the
   * pipeline within a window instead (FeedWindow): waiting for every chunk would add all of the
   * pipeline's round trips to each one.
   */
  readonly admit?: (published: number) => Promise<void>;
  /** Events per chunk (default DEFAULT_CHUNK_SIZE); a seeded run's result depends on it. */
  readonly chunkSize?: number;
  /** Stop after this many events. */
  readonly maxEvents?: number;
  /** Wall-clock pacing in events per second (live demos); unset = as fast as the pipeline goes. */
  readonly ratePerSec?: number;
  /**
   * Which of these event ids the durable log already holds (a continued run): the pump skips those
   * and counts them as produced, until a chunk holds none of them.
   */
  readonly alreadyStored?: (ids: readonly string[]) => Promise<Set<string>>;
}

/**
 * Small enough for smooth pacing (a chunk every 0.1 s at 1,000 events/s), large enough that the
 * wait after each chunk costs nothing measurable unpaced.
 */
export const DEFAULT_CHUNK_SIZE = 100;

export class FeedPump {
  produced = 0;
  /** Feed events skipped because an earlier incarnation of this run already logged them. */
  resumedAfter = 0;
  private stopping = false;
  private onFinishing: (() => void) | undefined;

  constructor(private readonly options: FeedPumpOptions) {}

  /** Called once, as the last chunk is published (the feed ended, maxEvents reached, or stop()). */
  whenFinishing(listener: () => void): void {
    this.onFinishing = listener;
  }

  private finishing(): void {
    const listener = this.onFinishing;
    this.onFinishing = undefined;
    listener?.();
  }

  stop(): void {
    this.stopping = true;
  }

  /** Runs until the feed ends, maxEvents is reached or stop() is called. */
  async run(): Promise<number> {
    const { publisher, maxEvents, ratePerSec } = this.options;
    const chunkSize = this.options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    const started = Date.now();
    let chunk: Envelope[] = [];
    const flush = async () => {
      if (chunk.length === 0) return;
      const out = chunk;
      chunk = [];
      await publisher.publish(out);
      await (this.options.admit ? this.options.admit(out.length) : this.options.drained());
      if (ratePerSec) {
        const due = started + (this.produced / ratePerSec) * 1000;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
    };
    let resuming = this.options.alreadyStored !== undefined;
    let pending: Envelope[] = [];
    // Chunks end at multiples of the chunk size, so a continued run cuts the feed where an
    // uninterrupted one does.
    for await (const event of this.options.feed.events()) {
      if (this.stopping || (maxEvents !== undefined && this.produced >= maxEvents)) break;
      this.produced++;
      if (!resuming) {
        chunk.push(event);
        if (this.produced % chunkSize !== 0) continue;
        if (maxEvents !== undefined && this.produced >= maxEvents) this.finishing();
        await flush();
        continue;
      }
      pending.push(event);
      if (this.produced % chunkSize !== 0) continue;
      resuming = await this.skipStored(pending, chunk);
      pending = [];
      await flush();
    }
    if (resuming && pending.length) await this.skipStored(pending, chunk);
    this.finishing();
    await flush();
    return this.produced;
  }

  /** Moves the events the log does not hold yet into `chunk`; true while some were held. */
  private async skipStored(events: readonly Envelope[], chunk: Envelope[]): Promise<boolean> {
    if (this.resumedAfter === 0) await this.options.drained(); // redelivered records first
    const stored = await this.options.alreadyStored!(events.map((e) => e.id));
    for (const e of events) {
      if (stored.has(e.id)) this.resumedAfter++;
      else chunk.push(e);
    }
    return stored.size > 0;
  }
}
