import { expect } from 'chai';
import { MemoryEventLog } from '../../adapters/eventlog/memory/memory-event-log.js';
import { MemoryStateStore } from '../../adapters/state/memory.js';
import { ActorCell, type CellEnv } from '../../runtime/cells/actor-cell.js';
import { Delivery } from '../../runtime/intake/delivery.js';
import { EventTypeRegistry, encodeEnvelope } from '../../runtime/events/event-types.js';
import { silentLogger } from '../../runtime/ports/logger.js';
import { RuntimeMetrics } from '../../runtime/observe/metrics.js';
import { Health } from '../../runtime/observe/health.js';
import { startNactSystem, stopNactSystem, type NactRef } from '../../runtime/cells/nact-host.js';
import { systemClock } from '../../runtime/ports/clock.js';
import { Publisher } from '../../runtime/intake/publisher.js';
import { SeededRandom } from '../../runtime/kit/random.js';
import { Runtime } from '../../runtime/runtime.js';
import { scriptedEvent } from '../../runtime/agent/test-kit.js';
import type { ChildSpec } from '../../runtime/ports/supervision.js';
import { Supervisor } from '../../runtime/supervision/supervisor.js';
import { Counted, Tick, counterAgent, type CounterState } from '../support/counter-agent.js';
import { waitFor } from '../support/wait.js';

async function cellEnv(stateStore = new MemoryStateStore()): Promise<CellEnv> {
  const log = new MemoryEventLog();
  await log.createTopics([{ name: 'test.ticks', partitions: 1 }, { name: 'test.ticks.dlq', partitions: 1 }, { name: 'test.counts', partitions: 1 }]);
  const types = new EventTypeRegistry([Tick, Counted]);
  const metrics = new RuntimeMetrics();
  return {
    publisher: new Publisher(log, types, metrics, silentLogger),
    metrics,
    log: silentLogger,
    health: new Health(metrics, silentLogger),
    processedBound: async () => ({}),
    storedUpTo: async () => new Map(),
    storeWaitMs: 0,
    lineage: () => log.lineage(),
    stateStore,
    snapshotEvery: 1000,
    maxMessageRetries: 3,
    topicOf: (t) => types.topicOf(t),
  };
}

/** A delivery that calls `onDone` once it is done. */
function createDelivery(events: Delivery['events'], positions: Delivery['positions'], onDone: () => void): Delivery {
  const delivery = new Delivery(events, positions);
  void delivery.done.then(onDone);
  return delivery;
}

const tick = (token: string, n: number) => scriptedEvent(Tick, { n }, { ts: n, token, id: `${token}-${n}` });

describe('ActorCell under supervision', () => {
  let system: NactRef;
  beforeEach(() => {
    system = startNactSystem(`cells-${Math.floor(Math.random() * 1e9)}`);
  });
  afterEach(() => stopNactSystem(system));

  it('one_for_all: a crash restarts the sibling too, and neither loses or reorders a message', async () => {
    const env = await cellEnv();
    const crashOn = new Map([['A-5', 1]]);
    const agent = counterAgent({ crashOn });
    const a = new ActorCell(agent, 'A', env);
    const b = new ActorCell(agent, 'B', env);
    const spec = (cell: ActorCell<CounterState>): ChildSpec => ({ id: cell.id, start: (link) => cell.start(link), restart: 'permanent', shutdown: 1000, type: 'worker' });
    const restarts: string[] = [];
    const sup = new Supervisor('pair', { strategy: 'one_for_all', intensity: 5, period: 60_000 }, [spec(a), spec(b)], {
      clock: systemClock,
      random: new SeededRandom(1),
      log: silentLogger,
      defaultBackoff: { min: 2, max: 5, jitter: 0 },
      onRestart: (r) => restarts.push(r.child),
      onGiveUp: () => {},
    });
    await sup.start(system);
    let done = 0;
    for (let n = 0; n < 20; n++) {
      a.tell(createDelivery([tick('A', n)], [undefined], () => done++));
      b.tell(createDelivery([tick('B', n)], [undefined], () => done++));
    }
    await waitFor('40 deliveries done', () => done === 40);
    expect((a.currentState() as CounterState).seen).to.deep.equal([...Array(20).keys()]);
    expect((b.currentState() as CounterState).seen).to.deep.equal([...Array(20).keys()]);
    expect(restarts).to.deep.equal(['counter:A']);
    await sup.stop();
  });

  it('keeps the events of a batch applied before the crash and resumes at the crashed one', async () => {
    const env = await cellEnv();
    const cell = new ActorCell(counterAgent({ crashOn: new Map([['C-2', 1]]) }), 'C', env);
    const sup = new Supervisor('one', { strategy: 'one_for_one', intensity: 5, period: 60_000 }, [
      { id: cell.id, start: (link) => cell.start(link), restart: 'permanent', shutdown: 1000, type: 'worker' },
    ], { clock: systemClock, random: new SeededRandom(1), log: silentLogger, defaultBackoff: { min: 1, max: 2, jitter: 0 }, onRestart: () => {}, onGiveUp: () => {} });
    await sup.start(system);
    let done = false;
    cell.tell(createDelivery([0, 1, 2, 3, 4].map((n) => tick('C', n)), [0, 1, 2, 3, 4].map((offset) => ({ topic: 'test.ticks', partition: 0, offset })), () => (done = true)));
    await waitFor('batch done', () => done);
    expect((cell.currentState() as CounterState).seen).to.deep.equal([0, 1, 2, 3, 4]);
    await sup.stop();
  });
});

describe('Runtime idempotency and passivation', () => {
  it('skips records it has already applied when the log redelivers them', async () => {
    const log = new MemoryEventLog();
    const stateStore = new MemoryStateStore();
    const topics = [{ name: 'test.ticks', partitions: 2 }];
    const events = [...Array(30).keys()].map((n) => tick(n % 2 ? 'X' : 'Y', n));
    const first = new Runtime({ eventLog: log, stateStore, agents: [counterAgent()], eventTypes: [Tick, Counted], topics, groupId: 'first' });
    await first.start();
    await log.publish('test.ticks', events.map((e) => ({ key: e.token!, value: encodeEnvelope(e) })));
    await first.whenIdle({ timeoutMs: 5000 });
    await first.stop(); // snapshots every actor, with the offsets it applied
    // A second group reads the topic from the start: every record is a redelivery.
    const second = new Runtime({ eventLog: log, stateStore, agents: [counterAgent()], eventTypes: [Tick, Counted], topics, groupId: 'second' });
    await second.start();
    await second.whenIdle({ timeoutMs: 5000 });
    const states = second.states<CounterState>('counter');
    expect(states.get('X')?.count).to.equal(15);
    expect(states.get('Y')?.count).to.equal(15);
    expect(await second.metrics.total(second.metrics.duplicates)).to.equal(30);
    await second.stop();
  });

  it('passivates an idle keyed actor with a snapshot and rehydrates it on the next message', async () => {
    const log = new MemoryEventLog();
    const stateStore = new MemoryStateStore();
    const agent = { ...counterAgent(), passivateAfterMs: 1 };
    const runtime = new Runtime({ eventLog: log, stateStore, agents: [agent], eventTypes: [Tick, Counted], topics: [{ name: 'test.ticks', partitions: 1 }], passivationSweepMs: 0 });
    await runtime.start();
    try {
      await log.publish('test.ticks', [0, 1, 2].map((n) => ({ key: 'P', value: encodeEnvelope(tick('P', n)) })));
      await runtime.whenIdle({ timeoutMs: 5000 });
      expect(await runtime.registry.passivateIdle(Date.now() + 1000)).to.equal(1);
      expect(runtime.registry.cell('counter', 'P')).to.equal(undefined);
      expect((await stateStore.load('counter:P'))?.state).to.deep.equal({ count: 3, seen: [0, 1, 2] });
      await log.publish('test.ticks', [{ key: 'P', value: encodeEnvelope(tick('P', 3)) }]);
      await runtime.whenIdle({ timeoutMs: 5000 });
      expect(runtime.states<CounterState>('counter').get('P')?.seen).to.deep.equal([0, 1, 2, 3]);
    } finally {
      await runtime.stop();
    }
  });
});
