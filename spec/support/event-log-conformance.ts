// One conformance suite for the EventLog port, run unchanged against every adapter: ordering per
// key, commit after processing, redelivery after a consumer leaves uncommitted, rebalance
// callbacks, and the runtime's dead letters over the adapter.
import { expect } from 'chai';
import type { Batch, Consumer, EventLog, TopicPartition, TopicSpec } from '../../runtime/ports/event-log.js';
import { encodeEnvelope } from '../../runtime/events/event-types.js';
import { partitionFor } from '../../runtime/events/partitioner.js';
import { Runtime } from '../../runtime/runtime.js';
import { scriptedEvent } from '../../runtime/agent/test-kit.js';
import { Counted, Tick, counterAgent, type CounterState } from './counter-agent.js';
import { waitFor } from './wait.js';
import { MemoryStateStore } from '../../adapters/state/memory.js';

export interface EventLogUnderTest {
  readonly log: EventLog;
  /** Makes the topics beforehand, for a cluster that cannot serve CreateTopics (the log then finds them in place). */
  provision?(topics: readonly TopicSpec[]): Promise<void>;
  close(): Promise<void>;
}

interface Member {
  readonly consumer: Consumer;
  readonly seen: string[];
  readonly assigned: number[];
  readonly revoked: number[];
}

let run = 0;

export function eventLogConformance(name: string, open: () => Promise<EventLogUnderTest>, timeoutMs = 20_000): void {
  describe(`EventLog conformance: ${name}`, function () {
    this.timeout(60_000);
    let subject: EventLogUnderTest;
    const members: Consumer[] = [];
    const topic = () => `conf.${process.pid}.${run}`;
    beforeEach(async () => {
      run++;
      subject = await open();
      await ensureTopics([{ name: topic(), partitions: 4 }]);
    });
    afterEach(async () => {
      for (const m of members.splice(0)) await m.disconnect().catch(() => undefined);
      await subject.close();
    });

    async function ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
      await subject.provision?.(topics);
      await subject.log.createTopics(topics);
    }

    async function member(groupId: string, options: { ordinal?: number; commitUpTo?: (offset: number) => boolean } = {}): Promise<Member> {
      const consumer = subject.log.consumer({
        groupId,
        topics: [topic()],
        fromBeginning: true,
        ...(options.ordinal !== undefined ? { memberMetadata: { ordinal: options.ordinal } } : {}),
      });
      members.push(consumer);
      const m: Member = { consumer, seen: [], assigned: [], revoked: [] };
      void consumer.run({
        onAssign: (tps: readonly TopicPartition[]) => void m.assigned.push(...tps.map((t) => t.partition)),
        onRevoke: (tps: readonly TopicPartition[]) => void m.revoked.push(...tps.map((t) => t.partition)),
        eachBatch: async (batch: Batch) => {
          for (const r of batch.records) {
            m.seen.push(`${r.key}:${r.value.toString()}`);
            if (options.commitUpTo?.(r.offset) ?? true) await consumer.commit(batch, r.offset + 1);
          }
        },
      });
      return m;
    }

    const publish = (values: [string, string][]) => subject.log.publish(topic(), values.map(([key, v]) => ({ key, value: Buffer.from(v) })));

    it('delivers the records of a key in the order they were published', async () => {
      const values: [string, string][] = [];
      for (let i = 0; i < 30; i++) values.push([`k${i % 5}`, String(i)]);
      await publish(values);
      const m = await member(`g-order-${run}`);
      await waitFor('30 records', () => m.seen.length === 30, timeoutMs);
      for (let k = 0; k < 5; k++) {
        const got = m.seen.filter((s) => s.startsWith(`k${k}:`)).map((s) => Number(s.split(':')[1]));
        expect(got, `key k${k}`).to.deep.equal(got.slice().sort((a, b) => a - b));
        expect(got).to.have.length(6);
      }
    });

    it('resumes a group after the last committed offset, and redelivers what was not committed', async () => {
      await publish(Array.from({ length: 10 }, (_, i) => ['one', String(i)] as [string, string]));
      const first = await member(`g-commit-${run}`, { commitUpTo: (offset) => offset < 6 });
      await waitFor('10 records', () => first.seen.length === 10, timeoutMs);
      await first.consumer.disconnect();
      const second = await member(`g-commit-${run}`);
      await waitFor('the uncommitted records again', () => second.seen.length === 4, timeoutMs);
      expect(second.seen).to.deep.equal(['one:6', 'one:7', 'one:8', 'one:9']);
      const partition = partitionFor('one', 4);
      await waitFor('the commit of the redelivered records', async () => (await subject.log.committed(`g-commit-${run}`, { topic: topic(), partition })) === 10, timeoutMs);
    });

    it('hands a joining member a contiguous range and tells both sides', async () => {
      const a = await member(`g-rebalance-${run}`, { ordinal: 0 });
      await waitFor('a owns everything', () => a.consumer.assignment().length === 4, timeoutMs);
      const b = await member(`g-rebalance-${run}`, { ordinal: 1 });
      await waitFor('b owns the upper half', () => b.consumer.assignment().length === 2 && a.consumer.assignment().length === 2, timeoutMs);
      expect(a.consumer.assignment().map((tp) => tp.partition).sort()).to.deep.equal([0, 1]);
      expect(b.consumer.assignment().map((tp) => tp.partition).sort()).to.deep.equal([2, 3]);
      expect(a.revoked).to.include.members([2, 3]);
      expect([...new Set(b.assigned)].sort()).to.deep.equal([2, 3]);
      await b.consumer.disconnect();
      await waitFor('a owns everything again', () => a.consumer.assignment().length === 4, timeoutMs);
    });

    it('runs the runtime over it: events reach their actors and a bad record goes to the DLQ', async () => {
      await ensureTopics([
        { name: 'test.ticks', partitions: 2 },
        { name: 'test.counts', partitions: 1 },
        { name: 'test.ticks.dlq', partitions: 2 },
        { name: 'test.counts.dlq', partitions: 1 },
      ]);
      const runtime = new Runtime({
        stateStore: new MemoryStateStore(),
        eventLog: subject.log,
        agents: [counterAgent()],
        eventTypes: [Tick, Counted],
        topics: [{ name: 'test.ticks', partitions: 2 }, { name: 'test.counts', partitions: 1 }],
        groupId: `g-runtime-${run}`,
        passivationSweepMs: 0,
      });
      await runtime.start();
      try {
        const ticks = [0, 1, 2].map((n) => scriptedEvent(Tick, { n }, { ts: n, token: 'BTC', id: `btc-${run}-${n}` }));
        await subject.log.publish('test.ticks', [
          { key: 'BTC', value: encodeEnvelope(ticks[0]!) },
          { key: 'BTC', value: Buffer.from('{"not": "an envelope"}') },
          ...ticks.slice(1).map((e) => ({ key: 'BTC', value: encodeEnvelope(e) })),
        ]);
        await waitFor('3 ticks applied', () => runtime.states<CounterState>('counter').get('BTC')?.count === 3, timeoutMs);
        await waitFor('the dead letter', async () => (await runtime.metrics.total(runtime.metrics.deadLetters, { reason: 'invalid-envelope' })) === 1, timeoutMs);
        const dlqRecords = async () => {
          let n = 0;
          for (let p = 0; p < 2; p++) n += await subject.log.endOffset({ topic: 'test.ticks.dlq', partition: p });
          return n;
        };
        await waitFor('the dead letter on the DLQ topic', async () => (await dlqRecords()) >= 1, timeoutMs);
        expect(await dlqRecords()).to.equal(1);
      } finally {
        await runtime.stop();
      }
    });
  });
}
