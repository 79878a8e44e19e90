// Chaos on the Kafka path: three pods in one consumer group on the Kafka-protocol test broker
// (kafkajs over TCP), sharing PostgreSQL and Redis, under load on 20 tokens. One pod is killed;
// its partitions move to the survivors and come back when it returns. The event store is the
// record of truth here: every position must equal the fold of its stored events.
import { expect } from 'chai';
import pg from 'pg';
import { foldPositions, positionEventTypes } from '../../actors/portfolio/positions-from-events.js';
import type { PositionState } from '../../actors/position/position-math.js';
import { KafkaEventLog } from '../../adapters/eventlog/kafka/kafka-event-log.js';
import { PaperExchange } from '../../adapters/exchange/paper.js';
import type { Runtime } from '../../runtime/runtime.js';
import { PG_URL, chaosSeed, feedEvents, openStores, pipeline, type Stores } from '../support/chaos-pipeline.js';
import { KafkaTestBroker } from '../support/kafka-broker/broker.js';
import { waitFor } from '../support/wait.js';

describe('chaos on Kafka: a pod of three dies under load and comes back', function () {
  this.timeout(240_000);
  const seed = chaosSeed();
  const pods: Runtime[] = [];
  const logs: KafkaEventLog[] = [];
  let broker: KafkaTestBroker;
  let stores: Stores;

  before(async () => {
    broker = await KafkaTestBroker.start();
    stores = await openStores('kafkapods');
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.error(`    chaos seed: ${seed} (rerun with REGENT_CHAOS_SEED=${seed})`);
  });
  after(async () => {
    for (const p of pods) await p.stop();
    for (const l of logs) await l.close();
    await broker.close();
    await stores.cleanup();
  });

  it('keeps every position equal to the fold of its stored events across the failover and the return', async () => {
    const exchange = new PaperExchange({ slippageBps: 5, feeBps: 4 });
    const pod = (ordinal: number) => {
      const log = new KafkaEventLog({ brokers: broker.brokers, clientId: `pod-${ordinal}`, heartbeatIntervalMs: 100, sessionTimeoutMs: 3000, maxWaitTimeMs: 50, retry: { initialMs: 50, maxMs: 500 } });
      logs.push(log);
      const p = pipeline({ seed, log, exchange, ordinal, partitions: 6, eventStore: stores.eventStore, stateStore: stores.stateStore });
      pods.push(p);
      return p;
    };
    const events = feedEvents(seed, 9000);
    const [a, b, c] = [pod(0), pod(1), pod(2)];
    for (const p of [a, b, c]) await p.start();
    const idle = async () => {
      for (const p of pods) if (p.running) await p.whenIdle({ timeoutMs: 90_000, pollMs: 20 });
    };
    const feed = async (from: number, to: number) => {
      for (let i = from; i < to; i += 1000) {
        await a.publisherPort.publish(events.slice(i, Math.min(to, i + 1000)));
        await idle();
      }
    };
    await waitFor('pod 1 to own partitions', () => b.states('position').size > 0 || broker.groupState('regent')?.state === 'Stable', 30_000);
    await feed(0, 3000);
    const tokensOnB = [...b.states('position').keys()].sort();
    expect(tokensOnB.length, 'pod 1 owns some tokens').to.be.greaterThan(0);

    await b.publisherPort.publish(events.slice(3000, 3500));
    b.kill();
    await feed(3500, 6000);
    for (const token of tokensOnB) {
      expect(a.states('position').has(token) || c.states('position').has(token), `position:${token} moved to a survivor`).to.equal(true);
    }

    const b2 = pod(1);
    await b2.start();
    await feed(6000, 9000);
    expect([...b2.states('position').keys()].sort(), 'pod 1 owns its tokens again').to.deep.equal(tokensOnB);

    // Every event stored once: the store writer has caught up with the broker.
    const topics = ['price.ticks', 'trade.executed', 'signal.generated', 'state.changes', 'sentiment.updates', 'liquidation.events'];
    const inBroker = () => topics.reduce((n, t) => n + Array.from({ length: 6 }, (_, p) => broker.endOffset(t, p) ?? 0).reduce((x, y) => x + y, 0), 0);
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      await waitFor('the store writer to catch up', async () => {
        const { rows } = await admin.query(`SELECT count(*)::int AS n FROM "${stores.schema}".events WHERE topic = ANY($1)`, [topics]);
        return rows[0].n >= inBroker();
      }, 60_000);
      const { rows } = await admin.query(
        `SELECT count(*)::int AS n, count(DISTINCT data->>'clientOrderId')::int AS orders FROM "${stores.schema}".events WHERE topic = 'trade.executed'`,
      );
      expect(rows[0].orders, 'one fill event per order').to.equal(rows[0].n);
    } finally {
      await admin.end();
    }
    // The fold in the order each partition was consumed (fills of a token share one partition).
    const expected = await foldPositions(stores.eventStore.replay({ types: positionEventTypes, order: 'offset' }));
    const live = new Map<string, PositionState>();
    for (const p of [a, b2, c]) {
      for (const [token, state] of p.states<PositionState>('position')) {
        expect(live.has(token), `position:${token} live on two pods`).to.equal(false);
        live.set(token, state);
      }
    }
    expect(expected.size).to.be.greaterThan(0);
    for (const [token, want] of expected) {
      const got = live.get(token);
      expect(got, `position:${token}`).to.not.equal(undefined);
      for (const field of ['size', 'avgEntry', 'realizedPnl', 'fees', 'markPrice'] as const) {
        expect(got![field], `position:${token}.${field} (seed ${seed})`).to.equal(want[field]);
      }
    }
  });
});
