// Where consumer groups stand on their topics against the log's end offsets: what "idle" and
// "caught up" are read from. Every lookup goes out at once: on Kafka each one is a round trip, and
// one after the other they made a single idle check cost about as much as the work it waited for.
import type { EventLog, TopicPartition } from '../ports/event-log.js';

export interface GroupTopics {
  readonly groupId: string;
  readonly topics: readonly string[];
}

export interface PartitionProgress {
  readonly groupId: string;
  readonly tp: TopicPartition;
  /** The next offset the log will write. */
  readonly end: number;
  /** The group's committed offset (the next one it will read), undefined when it committed none. */
  readonly committed: number | undefined;
}

/** Every partition of every group's topics that holds records, with the group's committed offset. */
export async function groupProgress(log: EventLog, groups: readonly GroupTopics[]): Promise<PartitionProgress[]> {
  const wanted: { groupId: string; tp: TopicPartition }[] = [];
  for (const { groupId, topics } of groups) {
    for (const topic of topics) {
      for (let partition = 0; partition < log.partitionsOf(topic); partition++) wanted.push({ groupId, tp: { topic, partition } });
    }
  }
  const ends = await Promise.all(wanted.map(({ tp }) => log.endOffset(tp)));
  // Committed offsets are read after the end offsets: a group that reaches an end read earlier has
  // processed at least everything that was there when the check began.
  const withRecords = wanted.map((w, i) => ({ ...w, end: ends[i]! })).filter((w) => w.end > 0);
  const committed = await Promise.all(withRecords.map(({ groupId, tp }) => log.committed(groupId, tp)));
  return withRecords.map((w, i) => ({ ...w, committed: committed[i] }));
}

/** Records a group has not committed yet, summed over its partitions. */
export function recordsBehind(progress: readonly PartitionProgress[], groupId: string): number {
  let behind = 0;
  for (const p of progress) if (p.groupId === groupId) behind += Math.max(0, p.end - (p.committed ?? 0));
  return behind;
}
