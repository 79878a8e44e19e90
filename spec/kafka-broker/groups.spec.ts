// Consumer groups on the Kafka test broker with plain kafkajs: partitions split between members,
// rebalance on leave, session expiry of a silent member, committed offsets across restarts.
import { expect } from 'chai';
import { waitFor } from '../support/wait.js';
import { Harness, receivedAtLeast, type TrackedConsumer } from './clients.js';

function sameMembers(tracked: readonly TrackedConsumer[], expected: readonly number[][]): boolean {
  return tracked.every((t, i) => JSON.stringify(t.assigned) === JSON.stringify(expected[i]));
}

describe('kafka test broker: consumer groups', function () {
  this.timeout(30_000);
  let harness: Harness;

  beforeEach(async () => {
    harness = await Harness.start();
  });

  afterEach(async () => {
    await harness.close();
  });

  it('splits partitions between two members, and gives all to the one left after the other leaves', async () => {
    const topic = 'split';
    harness.broker.createTopic(topic, 4);
    const a = await harness.consumer('split-a', { groupId: 'split-group', topic });
    const b = await harness.consumer('split-b', { groupId: 'split-group', topic });
    await waitFor('two members with two partitions each', () => a.assigned.length === 2 && b.assigned.length === 2, 15_000);
    expect([...a.assigned, ...b.assigned].sort()).to.deep.equal([0, 1, 2, 3]);
    const state = harness.broker.groupState('split-group');
    expect(state?.state).to.equal('Stable');
    expect(state?.members).to.have.length(2);

    const admin = await harness.admin();
    const described = await admin.describeGroups(['split-group']);
    expect(described.groups[0]?.state).to.equal('Stable');
    expect(described.groups[0]?.members).to.have.length(2);

    await harness.disconnect(b);
    await waitFor('the remaining member to own every partition', () => sameMembers([a], [[0, 1, 2, 3]]), 15_000);
    const producer = await harness.producer('split-producer');
    await producer.send({ topic, messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    await receivedAtLeast(a, 20);
    expect(new Set(a.received.map((r) => r.partition)).size).to.equal(4);
  });

  it('expires a member that stops heartbeating after its session timeout', async () => {
    const topic = 'expiry';
    harness.broker.createTopic(topic, 2);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const a = await harness.consumer('expiry-a', { groupId: 'expiry-group', topic, sessionTimeout: 1500 });
    await waitFor('the first member to join', () => a.assigned.length === 2, 15_000);
    const b = await harness.consumer('expiry-b', {
      groupId: 'expiry-group',
      topic,
      sessionTimeout: 1500,
      beforeMessage: () => gate,
    });
    await waitFor('one partition each', () => a.assigned.length === 1 && b.assigned.length === 1, 15_000);
    const silent = harness.broker.groupState('expiry-group')?.members.find((m) => m.clientId === 'expiry-b')?.memberId;
    expect(silent).to.be.a('string');

    const producer = await harness.producer('expiry-producer');
    await producer.send({
      topic,
      messages: [0, 1, 2, 3, 4, 5, 6, 7].map((i) => ({ key: `k${i}`, value: `v${i}`, partition: i % 2 })),
    });
    // b blocks inside eachMessage, so it sends no heartbeat; the broker must drop it and a takes over.
    const expiredAt = Date.now();
    try {
      await waitFor('the silent member to be expired', () => {
        const members = harness.broker.groupState('expiry-group')?.members ?? [];
        return members.length === 1 && members[0]?.memberId !== silent;
      }, 10_000);
      expect(Date.now() - expiredAt).to.be.at.least(1000);
      await waitFor('the heartbeating member to own both partitions', () => a.assigned.length === 2, 10_000);
      await waitFor('every record at the live member', () => new Set(a.values()).size === 8, 10_000);
    } finally {
      release();
    }
  });

  it('resumes from committed offsets after a consumer restart, without redelivering', async () => {
    const topic = 'commits';
    harness.broker.createTopic(topic, 1);
    const producer = await harness.producer('commits-producer');
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}` })) });
    const first = await harness.consumer('commits-1', { groupId: 'commits-group', topic });
    await receivedAtLeast(first, 10);
    await waitFor('offset 10 committed', () => harness.broker.committedOffset('commits-group', topic, 0) === 10, 10_000);
    await harness.disconnect(first);
    expect(harness.broker.groupState('commits-group')?.state).to.equal('Empty');

    await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ value: `v${10 + i}` })) });
    const second = await harness.consumer('commits-2', { groupId: 'commits-group', topic });
    await receivedAtLeast(second, 5);
    await waitFor('offset 15 committed', () => harness.broker.committedOffset('commits-group', topic, 0) === 15, 10_000);
    expect(second.values()).to.deep.equal(['v10', 'v11', 'v12', 'v13', 'v14']);
    expect(second.received.map((r) => r.offset)).to.deep.equal([10, 11, 12, 13, 14]);
    expect(harness.broker.committedOffset('no-such-group', topic, 0)).to.equal(-1);

    const admin = await harness.admin();
    const fetched = await admin.fetchOffsets({ groupId: 'commits-group', topics: [topic] });
    expect(fetched[0]?.partitions[0]?.offset).to.equal('15');
  });
});
