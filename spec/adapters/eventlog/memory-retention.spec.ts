import { expect } from 'chai';
import { MemoryEventLog, type MemoryEventLogOptions } from '../../../adapters/eventlog/memory/memory-event-log.js';
import type { Consumer, TopicPartition } from '../../../runtime/ports/event-log.js';
import { waitFor } from '../../support/wait.js';

const tp: TopicPartition = { topic: 't', partition: 0 };
const committedRetention: MemoryEventLogOptions = { retention: 'committed' };

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

async function publish(log: MemoryEventLog, topic: string, count: number): Promise<void> {
  await log.publish(topic, Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`record ${i}`), partition: 0 })));
}

interface Reader {
  readonly consumer: Consumer;
  readonly offsets: number[];
  readonly gaps: [number, number][];
  /** Lets the reader handle `n` more batches (Infinity: all); it waits before handling any other. */
  allow(n: number): void;
  committed(): Promise<number | undefined>;
}

/** A group member on topic `t` that records what it reads and commits each batch once allowed to handle it. */
async function reader(log: MemoryEventLog, groupId: string, options: { allowed?: number; paused?: boolean } = {}): Promise<Reader> {
  const consumer = log.consumer({ groupId, topics: ['t'], maxBatchSize: 100 });
  let allowed = options.allowed ?? Number.POSITIVE_INFINITY;
  let handled = 0;
  const r: Reader = {
    consumer,
    offsets: [],
    gaps: [],
    allow: (n) => void (allowed = handled + n),
    committed: () => log.committed(groupId, tp),
  };
  if (options.paused) consumer.pause([tp]);
  await consumer.run({
    onRetentionGap: (_, from, to) => void r.gaps.push([from, to]),
    eachBatch: async (batch) => {
      await waitFor(`${groupId} allowed to handle another batch`, () => handled < allowed, 20_000);
      handled++;
      r.offsets.push(...batch.records.map((rec) => rec.offset));
      await consumer.commit(batch, batch.records[batch.records.length - 1]!.offset + 1);
    },
  });
  return r;
}

describe('MemoryEventLog retention (committed)', () => {
  it('drops what every group reading the topic has committed, and keeps everything for a group that has not consumed yet', async () => {
    const log = new MemoryEventLog(committedRetention);
    await log.createTopics([{ name: 't', partitions: 1 }]);
    const fast = await reader(log, 'fast');
    const late = await reader(log, 'late', { paused: true });
    await publish(log, 't', 1000);
    await waitFor('the fast group to commit 1000', async () => (await fast.committed()) === 1000);

    expect(await late.committed()).to.equal(undefined);
    expect(log.heldRecords('t')).to.equal(1000);
    expect(log.read(tp)[0]!.offset).to.equal(0);

    late.consumer.resume([tp]);
    await waitFor('the late group to commit 1000', async () => (await late.committed()) === 1000);
    expect(late.offsets).to.deep.equal(range(0, 1000));
    expect(late.gaps).to.deep.equal([]);
    expect(log.heldRecords('t')).to.equal(0);

    // From then on a partition holds only what is published and not yet committed by both.
    let most = 0;
    for (let chunk = 0; chunk < 20; chunk++) {
      await publish(log, 't', 500);
      most = Math.max(most, log.heldRecords('t'));
      const end = 1000 + (chunk + 1) * 500;
      await waitFor(`both groups to commit ${end}`, async () => (await fast.committed()) === end && (await late.committed()) === end);
    }
    expect(most).to.be.at.most(500);
    expect(log.heldRecords('t')).to.equal(0);
    expect(await log.endOffset(tp)).to.equal(11_000);
    expect(fast.offsets).to.deep.equal(range(0, 11_000));
    await fast.consumer.disconnect();
    await late.consumer.disconnect();
  });

  it('lets a slow group hold retention: nothing it has not committed is dropped', async () => {
    const log = new MemoryEventLog(committedRetention);
    await log.createTopics([{ name: 't', partitions: 1 }]);
    const fast = await reader(log, 'fast');
    const slow = await reader(log, 'slow', { allowed: 3 });
    await publish(log, 't', 5000);
    await waitFor('the fast group to commit 5000', async () => (await fast.committed()) === 5000);
    await waitFor('the slow group to commit 300', async () => (await slow.committed()) === 300);

    expect(log.heldRecords('t')).to.be.at.least(5000 - 300);
    expect(log.read(tp, 300, 1)[0]!.offset).to.equal(300);

    slow.allow(37);
    await waitFor('the slow group to commit 4000', async () => (await slow.committed()) === 4000);
    // Dropped in chunks (an eighth of what is held at least), so a trim costs O(1) per record.
    const first = log.read(tp, 0, 1)[0]!.offset;
    expect(first).to.be.within(4000 - 5000 / 8, 4000);
    expect(log.heldRecords('t')).to.equal(5000 - first);

    slow.allow(Number.POSITIVE_INFINITY);
    await waitFor('the slow group to commit 5000', async () => (await slow.committed()) === 5000);
    expect(slow.offsets).to.deep.equal(range(0, 5000));
    expect(slow.gaps).to.deep.equal([]);
    expect(log.heldRecords('t')).to.equal(0);
    await fast.consumer.disconnect();
    await slow.consumer.disconnect();
  });

  it('caps a topic no group reads at retentionRecords per partition, and only such a topic', async () => {
    const log = new MemoryEventLog({ ...committedRetention, retentionRecords: 100 });
    await log.createTopics([{ name: 't', partitions: 1 }, { name: 'unread', partitions: 1 }]);
    const waiting = await reader(log, 'waiting', { paused: true });
    for (let chunk = 0; chunk < 100; chunk++) {
      await publish(log, 'unread', 10);
      await publish(log, 't', 10);
    }

    const kept = log.read({ topic: 'unread', partition: 0 });
    expect(kept.length).to.be.within(100, 116);
    expect(kept[kept.length - 1]!.offset).to.equal(999);
    expect(kept[0]!.offset).to.equal(1000 - kept.length);
    expect(log.heldRecords('t')).to.equal(1000);
    expect(log.heldRecords()).to.equal(1000 + kept.length);
    await waiting.consumer.disconnect();
  });

  it('keeps a record of a topic no group reads in a buffer of its own, not a view that pins a shared pool slab', async () => {
    const log = new MemoryEventLog({ ...committedRetention, retentionRecords: 100 });
    await log.createTopics([{ name: 't', partitions: 1 }, { name: 'unread', partitions: 1 }]);
    const waiting = await reader(log, 'waiting', { paused: true });
    const pooled = Buffer.from('{"a liquidation":1}');
    expect(pooled.buffer.byteLength).to.be.greaterThan(pooled.length); // Node's 8 KiB allocation pool
    await log.publish('unread', [{ value: pooled, partition: 0 }]);
    await log.publish('t', [{ value: pooled, partition: 0 }]);

    const [kept] = log.read({ topic: 'unread', partition: 0 });
    expect(kept!.value.toString()).to.equal('{"a liquidation":1}');
    expect(kept!.value.buffer.byteLength).to.equal(kept!.value.length);
    // A read topic's records go as soon as they are committed: no copy for them.
    expect(log.read(tp)[0]!.value.buffer).to.equal(pooled.buffer);
    await waiting.consumer.disconnect();
  });

  it('reports a committed offset below what the partition keeps as a retention gap, not a silent skip', async () => {
    const log = new MemoryEventLog(committedRetention);
    await log.createTopics([{ name: 't', partitions: 1 }]);
    // An earlier incarnation kept offsets 40..49; the group had committed 10 (e.g. it was left behind).
    log.restore({
      lineageId: 'earlier',
      partitions: [{ tp, records: range(40, 50).map((offset) => ({ ...tp, offset, value: Buffer.from(`record ${offset}`) })), from: 40, end: 50 }],
      commits: new Map([['behind', new Map([['t/0', 10]])]]),
    });
    const behind = await reader(log, 'behind');
    await waitFor('the kept records', () => behind.offsets.length === 10);
    expect(behind.gaps).to.deep.equal([[10, 40]]);
    expect(behind.offsets).to.deep.equal(range(40, 50));

    // A position moved back below what retention dropped (Kafka: offset out of range) says so too.
    await publish(log, 't', 50);
    await waitFor('the group to commit 100', async () => (await behind.committed()) === 100);
    expect(log.heldRecords('t')).to.equal(0);
    behind.consumer.seek(tp, 60);
    await publish(log, 't', 1);
    await waitFor('the record after the gap', () => behind.offsets.length === 61);
    expect(behind.gaps).to.deep.equal([[10, 40], [60, 100]]);
    expect(behind.offsets.slice(60)).to.deep.equal([100]);
    await behind.consumer.disconnect();
  });
});
