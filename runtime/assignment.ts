// Partition assignment for a consumer group: each member gets a stable contiguous range of every
// topic's partitions, ordered by member ordinal (pod k of N), so ranges survive restarts and a
// missing member's range is spread over the survivors. Shared by the in-process log and Kafka.
import type { TopicPartition } from './ports/event-log.js';

export interface GroupMember {
  readonly memberId: string;
  /** Stable ordinal (e.g. the StatefulSet index); ties and absence fall back to memberId order. */
  readonly ordinal?: number;
}

export function assignContiguousRanges(
  members: readonly GroupMember[],
  topics: ReadonlyMap<string, number>,
): Map<string, TopicPartition[]> {
  const ordered = [...members].sort(
    (a, b) =>
      (a.ordinal ?? Number.MAX_SAFE_INTEGER) - (b.ordinal ?? Number.MAX_SAFE_INTEGER) ||
      (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0),
  );
  const result = new Map<string, TopicPartition[]>(ordered.map((m) => [m.memberId, []]));
  const n = ordered.length;
  if (n === 0) return result;
  for (const topic of [...topics.keys()].sort()) {
    const count = topics.get(topic)!;
    const base = Math.floor(count / n);
    const extra = count % n;
    let next = 0;
    ordered.forEach((member, k) => {
      const size = base + (k < extra ? 1 : 0);
      const owned = result.get(member.memberId)!;
      for (let p = next; p < next + size; p++) owned.push({ topic, partition: p });
      next += size;
    });
  }
  return result;
}
