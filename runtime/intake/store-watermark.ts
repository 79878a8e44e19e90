// How far the store writer of this process has persisted each partition, and a wait for "the
// store holds everything the log holds right now". With the in-process log nothing is durable
// until stored, so an actor's snapshot waits on it: a snapshot must not claim records (or rely on
// outputs) that a killed process would lose, or the next start would skip them.
import { tpKey, type EventLog, type TopicPartition } from '../ports/event-log.js';
import { systemClock, type RuntimeClock } from '../ports/clock.js';

export class StoreWatermark {
  private readonly stored = new Map<string, number>();
  private waiters = new Set<() => void>();
  private cancelled = false;

  constructor(
    private readonly eventLog: EventLog,
    private readonly topics: () => readonly string[],
    private readonly clock: RuntimeClock = systemClock,
  ) {}

  advance(tp: TopicPartition, next: number): void {
    const key = tpKey(tp);
    if ((this.stored.get(key) ?? 0) >= next) return;
    this.stored.set(key, next);
    const waiting = this.waiters;
    this.waiters = new Set();
    for (const w of waiting) w();
  }

  /** Per partition of the stored topics: records the log holds past what was stored (only those behind). */
  async behind(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const topic of this.topics()) {
      for (let partition = 0; partition < this.eventLog.partitionsOf(topic); partition++) {
        const key = tpKey({ topic, partition });
        const missing = (await this.eventLog.endOffset({ topic, partition })) - (this.stored.get(key) ?? 0);
        if (missing > 0) out.set(key, missing);
      }
    }
    return out;
  }

  /** Ends every wait now and those to come (they resolve false): the runtime was killed. */
  cancelWaits(): void {
    this.cancelled = true;
    const waiting = this.waiters;
    this.waiters = new Set();
    for (const w of waiting) w();
  }

  /** Resolves true once the store holds every record the stored topics hold now; false after `timeoutMs`. */
  async caughtUpNow(timeoutMs: number): Promise<boolean> {
    const targets: [string, number][] = [];
    for (const topic of this.topics()) {
      for (let partition = 0; partition < this.eventLog.partitionsOf(topic); partition++) {
        const end = await this.eventLog.endOffset({ topic, partition });
        if (end > 0) targets.push([tpKey({ topic, partition }), end]);
      }
    }
    const reached = () => targets.every(([key, end]) => (this.stored.get(key) ?? 0) >= end);
    const deadline = this.clock.elapsed() + timeoutMs;
    while (!reached()) {
      const left = deadline - this.clock.elapsed();
      if (left <= 0 || this.cancelled) return false;
      await new Promise<void>((resolve) => {
        const timer = this.clock.after(left, done);
        function done() {
          timer.cancel();
          resolve();
        }
        this.waiters.add(done);
      });
    }
    return true;
  }
}
