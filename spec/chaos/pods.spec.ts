// Chaos: three pods in one consumer group on one log, sharing PostgreSQL and Redis, under load on
// 20 tokens. One pod dies without a graceful shutdown; its partitions move to the survivors, whose
// actors rehydrate; the pod comes back and gets its range back. The invariant holds throughout.
import { expect } from 'chai';
import { MemoryEventLog } from '../../adapters/eventlog/memory/memory-event-log.js';
import { PaperExchange } from '../../adapters/exchange/paper.js';
import type { Runtime } from '../../runtime/runtime.js';
import { checkInvariant, chaosSeed, feedEvents, openStores, pipeline, storeCaughtUp, type Stores } from '../support/chaos-pipeline.js';

describe('chaos: a pod of three dies under load and comes back', function () {
  this.timeout(240_000);
  const seed = chaosSeed();
  const pods: Runtime[] = [];
  let stores: Stores;

  before(async () => {
    stores = await openStores('pods');
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.error(`    chaos seed: ${seed} (rerun with REGENT_CHAOS_SEED=${seed})`);
  });
  after(async () => {
    for (const p of pods) await p.stop();
    await stores.cleanup();
  });

  it('moves the dead pod\'s partitions to the survivors and back, with every position equal to the fold of its events', async () => {
    const log = new MemoryEventLog();
    const exchange = new PaperExchange({ slippageBps: 5, feeBps: 4 });
    const pod = (ordinal: number) => {
      const p = pipeline({ seed, log, exchange, ordinal, partitions: 6, eventStore: stores.eventStore, stateStore: stores.stateStore });
      pods.push(p);
      return p;
    };
    const events = feedEvents(seed, 24_000);
    const [a, b, c] = [pod(0), pod(1), pod(2)];
    for (const p of [a, b, c]) await p.start();
    const idle = async () => {
      for (const p of pods) if (p.running) await p.whenIdle({ timeoutMs: 60_000 });
    };
    const feed = async (from: number, to: number) => {
      for (let i = from; i < to; i += 1000) {
        await a.publisherPort.publish(events.slice(i, Math.min(to, i + 1000)));
        await idle();
      }
    };
    await feed(0, 8000);
    const tokensOnB = [...b.states('position').keys()];
    expect(tokensOnB.length, 'pod 1 owns some tokens').to.be.greaterThan(0);

    // Pod 1 dies: no drain, no snapshot, no commit. More load arrives meanwhile.
    await b.publisherPort.publish(events.slice(8000, 9000));
    b.kill();
    await feed(9000, 16_000);
    for (const token of tokensOnB) {
      expect(a.states('position').has(token) || c.states('position').has(token), `position:${token} moved to a survivor`).to.equal(true);
    }

    // Pod 1 comes back and gets its range back.
    const b2 = pod(1);
    await b2.start();
    await feed(16_000, 24_000);
    await idle();
    const back = [...b2.states('position').keys()].sort();
    expect(back, 'pod 1 owns its tokens again').to.deep.equal([...tokensOnB].sort());
    await storeCaughtUp(b2, log, stores);
    const report = await checkInvariant([a, b2, c], log, exchange, seed, stores);
    expect(report.positionsChecked).to.be.greaterThan(3);
  });
});
