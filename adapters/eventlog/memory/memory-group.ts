// The in-process consumer-group coordinator: members join and leave, every change triggers an
// eager rebalance (revoke everything, then assign contiguous ranges), rebalances run one at a time,
// and committed offsets live here, per group and partition.
import { assignPartitions, type AssignmentStrategy } from '../../../runtime/kit/assignment.js';
import { tpKey, type TopicPartition } from '../../../runtime/ports/event-log.js';

export interface GroupMemberHandle {
  readonly memberId: string;
  readonly ordinal?: number;
  readonly topics: readonly string[];
  readonly strategy: AssignmentStrategy;
  revokeAll(): Promise<void>;
  assign(partitions: TopicPartition[]): Promise<void>;
}

export class MemoryGroup {
  private readonly members = new Map<string, GroupMemberHandle>();
  private readonly committed = new Map<string, number>();
  private queue: Promise<void> = Promise.resolve();
  generation = 0;
  /** Topics this group reads (or has committed on): retention keeps what it has not committed. */
  readonly topics = new Set<string>();

  constructor(
    readonly groupId: string,
    private readonly partitionsOf: (topic: string) => number,
    private readonly onCommit: (tp: TopicPartition, offset: number) => void = () => {},
  ) {}

  join(member: GroupMemberHandle): Promise<void> {
    return this.enqueue(async () => {
      this.members.set(member.memberId, member);
      await this.rebalance();
    });
  }

  leave(member: GroupMemberHandle): Promise<void> {
    return this.enqueue(async () => {
      if (!this.members.has(member.memberId)) return;
      await member.revokeAll();
      this.members.delete(member.memberId);
      await this.rebalance();
    });
  }

  commit(tp: TopicPartition, offset: number): void {
    this.committed.set(tpKey(tp), offset);
    this.onCommit(tp, offset);
  }

  committedOffset(tp: TopicPartition): number | undefined {
    return this.committed.get(tpKey(tp));
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.queue.then(step);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async rebalance(): Promise<void> {
    this.generation++;
    const members = [...this.members.values()];
    for (const m of members) await m.revokeAll();
    const owned = new Map<string, TopicPartition[]>(members.map((m) => [m.memberId, []]));
    const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
    for (const topic of topics) {
      const subscribers = members.filter((m) => m.topics.includes(topic));
      const ranges = assignPartitions(subscribers[0]!.strategy, subscribers, new Map([[topic, this.partitionsOf(topic)]]));
      for (const [memberId, tps] of ranges) owned.get(memberId)!.push(...tps);
    }
    for (const m of members) await m.assign(owned.get(m.memberId)!);
  }
}
