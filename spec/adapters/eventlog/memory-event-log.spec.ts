import { expect } from 'chai';
import { MemoryEventLog, UnknownTopicError } from '../../../adapters/eventlog/memory/memory-event-log.js';
import { partitionFor } from '../../../runtime/events/partitioner.js';
import type { Batch, Consumer, TopicPartition } from '../../../runtime/ports/event-log.js';
import { waitFor } from '../../support/wait.js';

const value = (s: string) => Buffer.from(s);

interface Member {
  consumer: Consumer;
  seen: string[];
  assigned: TopicPartition[][];
  revoked: TopicPartition[][];
}

async function member(log: MemoryEventLog, options: { groupId?: string; ordinal?: number; commit?: boolean } = {}): Promise<Member> {
  const consumer = log.consumer({
    groupId: options.groupId ?? 'g',
    topics: ['t'],
    maxBatchSize: 3,
    ...(options.ordinal !== undefined ? { memberMetadata: { ordinal: options.ordinal } } : {}),
  });
  const m: Member = { consumer, seen: [], assigned: [], revoked: [] };
  await consumer.run({
    onAssign: (tps) => void m.assigned.push([...tps]),
    onRevoke: (tps) => void m.revoked.push([...tps]),
    eachBatch: async (batch: Batch) => {
      for (const r of batch.records) m.seen.push(`${r.partition}:${r.offset}:${r.value.toString()}`);
      if (options.commit !== false) await consumer.commit(batch, batch.records[batch.records.length - 1]!.offset + 1);
    },
  });
  return m;
}

describe('MemoryEventLog', () => {
  it('places a key on the partition murmur2 picks and keeps per-partition order and offsets', async () => {
    const log = new MemoryEventLog();
    await log.createTopics([{ name: 't', partitions: 5 }]);
    await log.publish('t', ['a', 'b', 'c', 'd'].map((v) => ({ key: 'SOL', value: value(v) })));
    const p = partitionFor('SOL', 5);
    expect(log.read({ topic: 't', partition: p }).map((r) => [r.offset, r.value.toString()])).to.deep.equal([
      [0, 'a'], [1, 'b'], [2, 'c'], [3, 'd'],
    ]);
    expect(await log.endOffset({ topic: 't', partition: p })).to.equal(4);
  });

  it('rejects publishing to an unknown topic with a typed error', async () => {
    const log = new MemoryEventLog();
    let error: unknown;
    await log.publish('nope', [{ value: value('x') }]).catch((e) => (error = e));
    expect(error).to.be.instanceOf(UnknownTopicError);
  });

  it('rebalances contiguous ranges as members join and leave, revoking before assigning', async () => {
    const log = new MemoryEventLog();
    await log.createTopics([{ name: 't', partitions: 6 }]);
    const a = await member(log, { ordinal: 0 });
    expect(a.consumer.assignment().map((tp) => tp.partition)).to.deep.equal([0, 1, 2, 3, 4, 5]);
    const b = await member(log, { ordinal: 1 });
    expect(a.consumer.assignment().map((tp) => tp.partition)).to.deep.equal([0, 1, 2]);
    expect(b.consumer.assignment().map((tp) => tp.partition)).to.deep.equal([3, 4, 5]);
    expect(a.revoked[0]!.map((tp) => tp.partition)).to.deep.equal([0, 1, 2, 3, 4, 5]);
    await b.consumer.disconnect();
    expect(a.consumer.assignment().map((tp) => tp.partition)).to.deep.equal([0, 1, 2, 3, 4, 5]);
    await a.consumer.disconnect();
  });

  it('resumes a group from its committed offsets after a consumer leaves', async () => {
    const log = new MemoryEventLog();
    await log.createTopics([{ name: 't', partitions: 1 }]);
    await log.publish('t', ['0', '1', '2', '3', '4'].map((v) => ({ value: value(v), partition: 0 })));
    const first = await member(log);
    await waitFor('5 records', () => first.seen.length === 5);
    await first.consumer.disconnect();
    await log.publish('t', [{ value: value('5'), partition: 0 }]);
    const second = await member(log);
    await waitFor('the new record', () => second.seen.length === 1);
    expect(second.seen).to.deep.equal(['0:5:5']);
    expect(await log.committed('g', { topic: 't', partition: 0 })).to.equal(6);
    await second.consumer.disconnect();
  });

  it('redelivers uncommitted records to the next member of the group', async () => {
    const log = new MemoryEventLog();
    await log.createTopics([{ name: 't', partitions: 1 }]);
    await log.publish('t', ['a', 'b'].map((v) => ({ value: value(v), partition: 0 })));
    const lazy = await member(log, { commit: false });
    await waitFor('2 records', () => lazy.seen.length === 2);
    await lazy.consumer.disconnect();
    const next = await member(log);
    await waitFor('redelivery', () => next.seen.length === 2);
    expect(next.seen).to.deep.equal(['0:0:a', '0:1:b']);
    await next.consumer.disconnect();
  });

  it('seeks, pauses and resumes a partition', async () => {
    const log = new MemoryEventLog();
    await log.createTopics([{ name: 't', partitions: 1 }]);
    await log.publish('t', ['a', 'b', 'c'].map((v) => ({ value: value(v), partition: 0 })));
    const m = await member(log);
    await waitFor('3 records', () => m.seen.length === 3);
    m.consumer.pause([{ topic: 't', partition: 0 }]);
    await log.publish('t', [{ value: value('d'), partition: 0 }]);
    await new Promise((r) => setImmediate(r));
    expect(m.seen).to.have.length(3);
    m.consumer.seek({ topic: 't', partition: 0 }, 1);
    m.consumer.resume([{ topic: 't', partition: 0 }]);
    await waitFor('replay from offset 1', () => m.seen.length === 6);
    expect(m.seen.slice(3)).to.deep.equal(['0:1:b', '0:2:c', '0:3:d']);
    await m.consumer.disconnect();
  });

  it('keeps a bounded number of records and moves a lagging reader to the oldest kept, reporting the gap', async () => {
    const log = new MemoryEventLog({ retentionRecords: 10 });
    await log.createTopics([{ name: 't', partitions: 1 }]);
    await log.publish('t', Array.from({ length: 100 }, (_, i) => ({ value: value(String(i)), partition: 0 })));
    const kept = log.read({ topic: 't', partition: 0 });
    expect(kept.length).to.be.at.most(26);
    expect(kept[kept.length - 1]!.offset).to.equal(99);
    expect(log.read({ topic: 't', partition: 0 }, 0, 1)[0]!.offset).to.equal(kept[0]!.offset);
    const gaps: [number, number][] = [];
    const seen: number[] = [];
    const consumer = log.consumer({ groupId: 'late', topics: ['t'] });
    await consumer.run({
      onRetentionGap: (_, from, to) => void gaps.push([from, to]),
      eachBatch: async (batch) => void seen.push(...batch.records.map((r) => r.offset)),
    });
    await waitFor('the retained records', () => seen.length === kept.length);
    consumer.seek({ topic: 't', partition: 0 }, 0); // e.g. a committed offset that has expired
    await waitFor('the retained records again', () => seen.length === 2 * kept.length);
    expect(gaps).to.deep.equal([[0, kept[0]!.offset]]);
    await consumer.disconnect();
  });
});
