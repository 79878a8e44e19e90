// kafkajs partition assigners for Regent's strategies (runtime/assignment.ts, shared with the
// in-process log): pod k of N gets the k-th contiguous range, or one pod owns everything (the
// singleton agents). Each member advertises its ordinal in the group protocol's user data.
import kafkajs, { type PartitionAssigner } from 'kafkajs';
import { assignPartitions, type AssignmentStrategy } from '../../../runtime/kit/assignment.js';

const { AssignerProtocol } = kafkajs;
const NAMES: Record<AssignmentStrategy, string> = { ranges: 'RegentContiguousRange', 'single-owner': 'RegentSingleOwner' };

export function regentAssigner(strategy: AssignmentStrategy, ordinal?: number): PartitionAssigner {
  return ({ cluster }) => ({
    name: NAMES[strategy],
    version: 0,
    protocol: ({ topics }) => ({
      name: NAMES[strategy],
      metadata: AssignerProtocol.MemberMetadata.encode({
        version: 0,
        topics,
        userData: Buffer.from(JSON.stringify(ordinal === undefined ? {} : { ordinal })),
      }),
    }),
    async assign({ members, topics }) {
      const group = members.map(({ memberId, memberMetadata }) => {
        const decoded = AssignerProtocol.MemberMetadata.decode(memberMetadata);
        let ordinal: number | undefined;
        try {
          const data = JSON.parse(decoded?.userData.toString() || '{}') as { ordinal?: unknown };
          if (typeof data.ordinal === 'number') ordinal = data.ordinal;
        } catch {
          // A member without (readable) user data sorts after the numbered ones.
        }
        return { memberId, ...(ordinal !== undefined ? { ordinal } : {}) };
      });
      const partitions = new Map(topics.map((t) => [t, cluster.findTopicPartitionMetadata(t).length]));
      const owned = assignPartitions(strategy, group, partitions);
      return group.map(({ memberId }) => {
        const assignment: Record<string, number[]> = {};
        for (const tp of owned.get(memberId) ?? []) (assignment[tp.topic] ??= []).push(tp.partition);
        return { memberId, memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment, userData: Buffer.alloc(0) }) };
      });
    },
  });
}
