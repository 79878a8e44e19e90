import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { MemoryEventLog } from '../../adapters/eventlog/memory/memory-event-log.js';
import { loadConfig } from '../../config/load.js';
import { silentLogger } from '../../runtime/ports/logger.js';
import { startRun } from '../../app/run.js';
import { Runtime } from '../../runtime/runtime.js';
import { scriptedEvent } from '../../runtime/agent/test-kit.js';
import { counterAgent, Tick } from '../support/counter-agent.js';
import { MigratedSchemas } from '../support/migrated-schemas.js';
import { MemoryStateStore } from '../../adapters/state/memory.js';

const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

describe('retention of the in-process log in a whole run', function () {
  this.timeout(120_000);

  it('holds a bounded number of records through an embedded run of 50,000 events, and none a group has consumed', async () => {
    const config = loadConfig({ env: {}, overrides: { events: 50_000, http: { enabled: false } } });
    const handle = await startRun(config, { logger: silentLogger });
    const log = handle.regent.eventLog;
    if (!(log instanceof MemoryEventLog)) throw new Error('the embedded default runs on the in-process log');
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, log.heldRecords())), 5);
    const summary = await handle.done.finally(() => clearInterval(sampler));

    expect(summary.feedEvents).to.equal(50_000);
    const logged = Object.values(summary.topics).reduce((a, b) => a + b, 0);
    expect(logged).to.be.greaterThan(50_000);
    expect(most).to.be.below(5000);
    // Whatever the runtime's groups read is gone once they committed it; only topics nobody reads
    // (here the liquidations, which no agent consumes) keep records, up to retentionRecords each.
    const { metrics } = handle.regent.runtime;
    const holding: string[] = [];
    for (const topic of log.topicNames()) {
      const consumed = await metrics.total(metrics.consumed, { topic });
      if (consumed > 0) expect(log.heldRecords(topic), topic).to.equal(0);
      else if (log.heldRecords(topic) > 0) holding.push(topic);
    }
    expect(holding).to.deep.equal(['liquidation.events']);
    expect(log.heldRecords()).to.equal(summary.topics['liquidation.events']);
    expect(log.heldRecords()).to.be.below(5000);
  });
});

describe('retention of the in-process log with an event store', function () {
  this.timeout(60_000);
  const schemas = new MigratedSchemas('regent_retention');
  after(() => schemas.dropAll());

  it('drops nothing the store writer has not stored: its group holds retention while the store is blocked', async () => {
    const { store, schema } = await schemas.fresh();
    const log = new MemoryEventLog({ retention: 'committed' });
    const runtime = new Runtime({ stateStore: new MemoryStateStore(), eventLog: log, agents: [counterAgent()], eventTypes: [Tick], topics: [{ name: 'test.ticks', partitions: 2 }], eventStore: store });
    const tokens = ['A', 'B', 'C', 'D'];
    const ticks = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => scriptedEvent(Tick, { n: from + i }, { ts: 1_000 + from + i, token: tokens[(from + i) % tokens.length]!, id: randomUUID() }));
    const partitions = [0, 1].map((partition) => ({ topic: 'test.ticks', partition }));
    await runtime.start();
    const blocker = new pg.Client({ connectionString: PG_URL });
    try {
      await runtime.publisherPort.publish(ticks(0, 200));
      await runtime.whenIdle({ stored: true, timeoutMs: 20_000 });
      expect(log.heldRecords('test.ticks')).to.equal(0);

      // Another session holds the events table: the store writer's next append waits for it.
      await blocker.connect();
      await blocker.query('BEGIN');
      await blocker.query(`LOCK TABLE "${schema}".events IN ACCESS EXCLUSIVE MODE`);
      await runtime.publisherPort.publish(ticks(200, 2000));
      await runtime.whenIdle({ timeoutMs: 20_000 });
      let unstored = 0;
      for (const tp of partitions) {
        const stored = (await log.committed(runtime.storeGroupId, tp)) ?? 0;
        const end = await log.endOffset(tp);
        expect(await log.committed(runtime.groupId, tp)).to.equal(end);
        expect(stored).to.be.below(end);
        expect(log.read(tp, stored, 1)[0]!.offset).to.equal(stored);
        unstored += end - stored;
      }
      expect(unstored).to.equal(2000);
      expect(log.heldRecords('test.ticks')).to.be.at.least(unstored);

      await blocker.query('ROLLBACK');
      await runtime.whenIdle({ stored: true, timeoutMs: 20_000 });
      expect((await store.countByTopic()).get('test.ticks')).to.equal(2200);
      expect(log.heldRecords('test.ticks')).to.equal(0);
    } finally {
      await blocker.end().catch(() => undefined);
      await runtime.stop();
    }
  });
});
