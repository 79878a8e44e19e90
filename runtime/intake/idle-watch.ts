// What Runtime.whenIdle waits on instead of polling. The kernel tells it whenever idleness may
// have come closer: a commit landed, piped work ended, partitions were revoked, the runtime
// stopped. The intake's consumers also tell it which partitions this process owns: the progress
// of the others (another pod's commits) is signalled nowhere here, so a wait on those polls.
import { tpKey, type Consumer, type TopicPartition } from '../ports/event-log.js';

export class IdleWatch {
  /** Live consumers of this process, with their group. */
  private readonly consumers = new Map<Consumer, string>();
  private readonly listeners = new Set<() => void>();

  /** Calls `listener` at every notify until the returned function is called. */
  listen(listener: () => void): () => void {
    const own = () => listener(); // its own identity, so the same function may listen twice
    this.listeners.add(own);
    return () => this.listeners.delete(own);
  }

  notify(): void {
    for (const listener of this.listeners) listener();
  }

  joined(groupId: string, consumer: Consumer): void {
    this.consumers.set(consumer, groupId);
  }

  left(consumer: Consumer): void {
    this.consumers.delete(consumer);
    this.notify();
  }

  /** Whether a consumer of this process reads the partition for the group (its commits notify here). */
  owns(groupId: string, tp: TopicPartition): boolean {
    const key = tpKey(tp);
    for (const [consumer, group] of this.consumers) {
      if (group === groupId && consumer.assignment().some((owned) => tpKey(owned) === key)) return true;
    }
    return false;
  }
}
