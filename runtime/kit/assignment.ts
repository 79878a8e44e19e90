// Partition assignment for a consumer group, shared by the in-process log and Kafka. `ranges`:
// each member gets a stable contiguous range of every topic's partitions, ordered by member ordinal
// (pod k of N), so ranges survive restarts and a missing member's range is spread over the
// survivors. `single-owner`: one member (the lowest ordinal) gets everything, for singleton agents.
import type { TopicPartition } from '../ports/event-log.js';

export interface GroupMember {
  readonly memberId: string;
  /** Stable ordinal (e.g. the StatefulSet index); ties and absence fall back to memberId order. */
  readonly ordinal?: number;
}

export type AssignmentStrategy = 'ranges' | 'single-owner';

function byOrdinal(members: readonly GroupMember[]): GroupMember[] {
  return [...members].sort(
    (a, b) =>
      (a.ordinal ?? Number.MAX_SAFE_INTEGER) - (b.ordinal ?? Number.MAX_SAFE_INTEGER) ||
      (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0),
  );
}

export function assignPartitions(
  strategy: AssignmentStrategy,
  members: readonly GroupMember[],
  topics: ReadonlyMap<string, number>,
): Map<string, TopicPartition[]> {
  return strategy === 'single-owner' ? assignAllToFirst(members, topics) : assignContiguousRanges(members, topics);
}

/** Everything to the member with the lowest ordinal; the others get nothing (standbys). */
export function assignAllToFirst(members: readonly GroupMember[], topics: ReadonlyMap<string, number>): Map<string, TopicPartition[]> {
  const ordered = byOrdinal(members);
  const result = new Map<string, TopicPartition[]>(ordered.map((m) => [m.memberId, []]));
  const owner = ordered[0];
  if (!owner) return result;
  for (const topic of [...topics.keys()].sort()) {
    for (let p = 0; p < topics.get(topic)!; p++) result.get(owner.memberId)!.push({ topic, partition: p });
  }
  return result;
}

export function assignContiguousRanges(
  members: readonly GroupMember[],
  topics: ReadonlyMap<string, number>,
): Map<string, TopicPartition[]> {
  const ordered = byOrdinal(members);
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
