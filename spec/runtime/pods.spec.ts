import { expect } from 'chai';
import { MemoryEventLog } from '../../adapters/eventlog/memory/memory-event-log.js';
import { MemoryStateStore } from '../../adapters/state/memory.js';
import { encodeEnvelope } from '../../runtime/events/event-types.js';
import { partitionFor } from '../../runtime/events/partitioner.js';
import { Runtime } from '../../runtime/runtime.js';
import { scriptedEvent } from '../../runtime/agent/test-kit.js';
import { Counted, Tick, counterAgent, type CounterState } from '../support/counter-agent.js';

const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'];
const topics = [{ name: 'test.ticks', partitions: 2 }];

describe('several runtimes in one process behave like pods of one group', () => {
  it('moves a partition to a joining pod, which rehydrates its actors from the snapshots taken on revoke', async () => {
    const log = new MemoryEventLog();
    const stateStore = new MemoryStateStore();
    const pod = (ordinal: number) =>
      new Runtime({ eventLog: log, stateStore, agents: [counterAgent()], eventTypes: [Tick, Counted], topics, memberMetadata: { ordinal }, passivationSweepMs: 0 });
    const publish = (from: number, to: number) =>
      log.publish('test.ticks', keys.flatMap((k) => Array.from({ length: to - from }, (_, i) => ({ key: k, value: encodeEnvelope(scriptedEvent(Tick, { n: from + i }, { ts: from + i, token: k, id: `${k}-${from + i}` })) }))));
    const a = pod(0);
    const b = pod(1);
    await a.start();
    try {
      await publish(0, 5);
      await a.whenIdle({ timeoutMs: 5000 });
      await b.start(); // rebalance: a keeps partition 0, b takes partition 1
      await publish(5, 10);
      await a.whenIdle({ timeoutMs: 5000 });
      await b.whenIdle({ timeoutMs: 5000 });
      const all = [...Array(10).keys()];
      for (const k of keys) {
        const owner = partitionFor(k, 2) === 0 ? a : b;
        const other = owner === a ? b : a;
        expect(owner.states<CounterState>('counter').get(k)?.seen, `${k} on its owner`).to.deep.equal(all);
        expect(other.states<CounterState>('counter').has(k), `${k} left behind`).to.equal(false);
      }
    } finally {
      await b.stop();
      await a.stop();
    }
  });

  it('hands a killed pod\'s partitions to the survivor when records arrive as it dies', async () => {
    // The records wake pod 0's partition loop, then the kill comes before the loop has run: what
    // the loop hands over after the kill must not start new work (work no dead actor will finish,
    // which the group's rebalance would wait for forever).
    const log = new MemoryEventLog();
    const stateStore = new MemoryStateStore();
    const pod = (ordinal: number) =>
      new Runtime({ eventLog: log, stateStore, agents: [counterAgent()], eventTypes: [Tick, Counted], topics, memberMetadata: { ordinal }, passivationSweepMs: 0 });
    const a = pod(0);
    const b = pod(1);
    const key = keys.find((k) => partitionFor(k, 2) === 0)!;
    await a.start();
    await b.start(); // a owns partition 0, b partition 1
    try {
      const published = log.publish('test.ticks', [0, 1, 2].map((n) => ({ key, value: encodeEnvelope(scriptedEvent(Tick, { n }, { ts: n, token: key, id: `${key}-${n}` })) })));
      a.kill();
      await published;
      await b.whenIdle({ timeoutMs: 5000 });
      expect(b.states<CounterState>('counter').get(key)?.seen, `${key} on the survivor`).to.deep.equal([0, 1, 2]);
    } finally {
      // A kill, not a stop: when the group is stuck, a stop would wait for it forever.
      b.kill();
    }
  });
});
