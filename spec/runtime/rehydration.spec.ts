import { expect } from 'chai';
import { MemoryEventLog } from '../../adapters/eventlog/memory/memory-event-log.js';
import { MemoryEventStore } from '../../adapters/store/memory.js';
import { MemoryStateStore } from '../../adapters/state/memory.js';
import { encodeEnvelope } from '../../runtime/events/event-types.js';
import { EventRejectedError } from '../../runtime/ports/event-store.js';
import { CorruptSnapshotError, StateStoreUnavailableError, type Snapshot, type StateStore } from '../../runtime/ports/state-store.js';
import { Runtime, type RuntimeOptions } from '../../runtime/runtime.js';
import { scriptedEvent } from '../../runtime/agent/test-kit.js';
import { Counted, Tick, counterAgent, type CounterState } from '../support/counter-agent.js';
import { waitFor } from '../support/wait.js';

const topics = [
  { name: 'test.ticks', partitions: 3 },
  { name: 'test.counts', partitions: 1 },
];
const tick = (token: string, n: number) => scriptedEvent(Tick, { n }, { ts: 1000 + n, token, id: `${token}-${n}` });
const range = (n: number) => [...Array(n).keys()];

async function publishTicks(log: MemoryEventLog, tokens: string[], from: number, to: number) {
  await log.publish('test.ticks', tokens.flatMap((t) => range(to - from).map((i) => ({ key: t, value: encodeEnvelope(tick(t, from + i)) }))));
}

/** A StateStore whose connection can be cut, as the runtime's fault injector does to Redis. */
class SwitchableStateStore implements StateStore {
  up = true;
  constructor(private readonly inner = new MemoryStateStore()) {}
  private check() {
    if (!this.up) throw new StateStoreUnavailableError('connection refused');
  }
  async load(id: string) {
    this.check();
    return this.inner.load(id);
  }
  async save(id: string, s: Snapshot) {
    this.check();
    return this.inner.save(id, s);
  }
  async delete(id: string) {
    this.check();
    return this.inner.delete(id);
  }
  async count() {
    this.check();
    return this.inner.count();
  }
  async clear() {
    this.check();
    return this.inner.clear();
  }
  async appliedFloor() {
    this.check();
    return this.inner.appliedFloor();
  }
}

function runtime(log: MemoryEventLog, extra: Partial<RuntimeOptions>) {
  return new Runtime({ stateStore: new MemoryStateStore(), eventLog: log, agents: [counterAgent({ emit: true })], eventTypes: [Tick, Counted], topics, passivationSweepMs: 0, ...extra });
}

describe('durable state: store writer and rehydration', () => {
  it('persists every event once, with the store group\'s offsets, and resumes from the stored offsets', async () => {
    const log = new MemoryEventLog();
    const store = new MemoryEventStore();
    const first = runtime(log, { eventStore: store });
    await first.start();
    await publishTicks(log, ['A', 'B'], 0, 20);
    await first.whenIdle({ timeoutMs: 5000 });
    await waitFor('40 ticks and 40 counts stored', () => store.all().length === 80);
    await first.stop();
    const stored = await store.offsets('regent-store');
    expect([...stored.values()].reduce((a, b) => a + b, 0)).to.equal(80);

    // The log forgets the writer's commits: only the offsets in the store prevent a re-append.
    log.deleteGroup('regent-store');
    const second = runtime(log, { eventStore: store });
    await second.start();
    await publishTicks(log, ['A'], 20, 25);
    await second.whenIdle({ timeoutMs: 5000 });
    await waitFor('the 5 new ticks and counts stored', () => store.all().length === 90);
    expect(store.duplicates).to.equal(0);
    await second.stop();
  });

  it('stores a log that the store\'s offsets do not belong to from its start, instead of skipping by them', async () => {
    const store = new MemoryEventStore();
    const earlier = new MemoryEventLog();
    const first = runtime(earlier, { eventStore: store });
    await first.start();
    await publishTicks(earlier, ['A', 'B'], 0, 20);
    await waitFor('the earlier log stored', () => store.all().length === 80);
    await first.stop();

    // Another incarnation (an in-process log not restored from this store): its offsets start at 0.
    const other = new MemoryEventLog();
    const second = runtime(other, { eventStore: store });
    await second.start();
    await publishTicks(other, ['A'], 100, 105);
    await waitFor('the new log\'s 5 ticks and 5 counts stored', () => store.all().length === 90, 5000);
    expect(store.all().filter((e) => /^A-10\d$/.test(e.id)).map((e) => e.offset)).to.deep.equal([0, 1, 2, 3, 4]);
    await second.stop();
  });

  it('restarts a crashed actor from its snapshot plus the events after it, equal to an uninterrupted run', async () => {
    const log = new MemoryEventLog();
    const store = new MemoryEventStore();
    const rt = new Runtime({
      stateStore: new MemoryStateStore(),
      eventLog: log,
      agents: [{ ...counterAgent({ crashOn: new Map([['A-13', 1]]) }), snapshotEvery: 5 }],
      eventTypes: [Tick, Counted],
      topics,
      eventStore: store,
      supervision: { backoffMinMs: 1, backoffMaxMs: 5 },
      passivationSweepMs: 0,
    });
    await rt.start();
    try {
      await publishTicks(log, ['A'], 0, 30);
      await rt.whenIdle({ timeoutMs: 5000 });
      expect(rt.states<CounterState>('counter').get('A')?.seen).to.deep.equal(range(30));
      expect(rt.restarts).to.have.length(1);
      expect(await rt.metrics.total(rt.metrics.rehydrations, { source: 'replay' })).to.equal(1);
      // Snapshot at 10 applied events, crash at the 14th: 3 events came back from the store.
      expect(await rt.metrics.total(rt.metrics.replayed)).to.equal(3);
      expect(await rt.metrics.total(rt.metrics.divergences)).to.equal(0);
    } finally {
      await rt.stop();
    }
  });

  it('rebuilds a passivated actor whose snapshot was lost by a full replay of its events', async () => {
    const log = new MemoryEventLog();
    const store = new MemoryEventStore();
    const states = new MemoryStateStore();
    const rt = runtime(log, { eventStore: store, stateStore: states });
    await rt.start();
    try {
      await publishTicks(log, ['A', 'B'], 0, 12);
      await rt.whenIdle({ timeoutMs: 5000 });
      await waitFor('events stored', () => store.all().length >= 48);
      await rt.registry.release(['test.ticks/0', 'test.ticks/1', 'test.ticks/2']);
      await states.delete('counter:A');
      await publishTicks(log, ['A'], 12, 14);
      await rt.whenIdle({ timeoutMs: 5000 });
      expect(rt.states<CounterState>('counter').get('A')?.seen).to.deep.equal(range(14));
      expect(await rt.metrics.total(rt.metrics.replayed, { agent: 'counter' })).to.equal(12);
    } finally {
      await rt.stop();
    }
  });

  it('skips an emitted event that arrives again under a new offset (a re-run handler re-emits the same id)', async () => {
    const log = new MemoryEventLog();
    const rt = runtime(log, {});
    await rt.start();
    try {
      const reemitted = { ...tick('C', 1), causationId: 'upstream-1' };
      await log.publish('test.ticks', [tick('C', 0), reemitted, reemitted, tick('C', 2)].map((e) => ({ key: 'C', value: encodeEnvelope(e) })));
      await rt.whenIdle({ timeoutMs: 5000 });
      expect(rt.states<CounterState>('counter').get('C')?.seen).to.deep.equal([0, 1, 2]);
      expect(await rt.metrics.total(rt.metrics.duplicates)).to.equal(1);
    } finally {
      await rt.stop();
    }
  });

  it('keeps running with the state store down (degraded, full replay) and recovers when it is back', async () => {
    const log = new MemoryEventLog();
    const store = new MemoryEventStore();
    const states = new SwitchableStateStore();
    const rt = new Runtime({
      eventLog: log,
      agents: [{ ...counterAgent({ emit: true }), snapshotEvery: 2 }],
      eventTypes: [Tick, Counted],
      topics,
      eventStore: store,
      stateStore: states,
      passivationSweepMs: 0,
    });
    await rt.start();
    try {
      const degraded = async () => (await rt.metrics.degraded.get()).values.find((v) => v.labels.component === 'state-store')?.value;
      states.up = false;
      await publishTicks(log, ['D'], 0, 6);
      await rt.whenIdle({ timeoutMs: 5000 });
      expect(await degraded()).to.equal(1);
      expect(rt.health.isDegraded('state-store')).to.equal(true);
      states.up = true;
      await publishTicks(log, ['D'], 6, 10);
      await rt.whenIdle({ timeoutMs: 5000 });
      expect(await degraded()).to.equal(0);
      expect(rt.states<CounterState>('counter').get('D')?.seen).to.deep.equal(range(10));
    } finally {
      await rt.stop();
    }
  });
});

describe('snapshots and passivation never outrun what is safe', () => {
  it('writes a snapshot only after the events emitted before it are published', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    class SlowCountsLog extends MemoryEventLog {
      override async publish(topic: string, records: Parameters<MemoryEventLog['publish']>[1]): Promise<void> {
        if (topic === 'test.counts') await gate;
        return super.publish(topic, records);
      }
    }
    const log = new SlowCountsLog();
    const states = new MemoryStateStore();
    const rt = new Runtime({
      eventLog: log,
      agents: [{ ...counterAgent({ emit: true }), snapshotEvery: 1 }],
      eventTypes: [Tick, Counted],
      topics,
      stateStore: states,
      passivationSweepMs: 0,
    });
    await rt.start();
    try {
      await log.publish('test.ticks', [{ key: 'S', value: encodeEnvelope(tick('S', 0)) }]);
      await waitFor('the tick applied', () => rt.states<CounterState>('counter').get('S')?.count === 1);
      await new Promise((resolve) => setImmediate(resolve));
      expect(await states.load('counter:S'), 'no snapshot while its output is unpublished').to.equal(undefined);
      release();
      await waitFor('the snapshot after the publish', async () => (await states.load('counter:S')) !== undefined);
      await rt.whenIdle({ timeoutMs: 5000 });
    } finally {
      release();
      await rt.stop();
    }
  });

  it('keeps an idle actor alive when its passivation snapshot cannot be saved', async () => {
    const log = new MemoryEventLog();
    const states = new SwitchableStateStore();
    const rt = new Runtime({ eventLog: log, agents: [{ ...counterAgent(), passivateAfterMs: 1 }], eventTypes: [Tick, Counted], topics, stateStore: states, passivationSweepMs: 0 });
    await rt.start();
    try {
      await publishTicks(log, ['P'], 0, 3);
      await rt.whenIdle({ timeoutMs: 5000 });
      states.up = false;
      await rt.registry.passivateIdle(Date.now() + 1000);
      expect(rt.registry.cell('counter', 'P'), 'still registered').to.not.equal(undefined);
      await publishTicks(log, ['P'], 3, 4);
      await rt.whenIdle({ timeoutMs: 5000 });
      expect(rt.states<CounterState>('counter').get('P')?.seen).to.deep.equal(range(4));
    } finally {
      states.up = true;
      await rt.stop();
    }
  });
});

describe('snapshots that cannot be used', () => {
  for (const [what, store] of [
    ['of an unknown schema version', new MemoryStateStore()],
    ['that is corrupt', new (class extends MemoryStateStore {
      override async load(id: string): Promise<Snapshot | undefined> {
        throw new CorruptSnapshotError(id, 'Unexpected token } in JSON');
      }
    })()],
  ] as const) {
    it(`falls back to a full replay from the event store for a snapshot ${what}`, async () => {
      const log = new MemoryEventLog();
      const eventStore = new MemoryEventStore();
      const first = runtime(log, { eventStore, stateStore: store });
      await first.start();
      await publishTicks(log, ['V'], 0, 8);
      await first.whenIdle({ timeoutMs: 5000 });
      await waitFor('events stored', () => eventStore.all().filter((e) => e.topic === 'test.ticks').length === 8);
      await first.stop();
      // A snapshot that claims everything, but in a format this version cannot read.
      await store.save('counter:V', { state: { count: 999, seen: [] }, applied: { 'test.ticks/0': 99, 'test.ticks/1': 99, 'test.ticks/2': 99 }, version: 99, at: 0 });
      const second = runtime(log, { eventStore, stateStore: store });
      await second.start();
      await publishTicks(log, ['V'], 8, 9);
      await second.whenIdle({ timeoutMs: 5000 });
      expect(second.states<CounterState>('counter').get('V')?.seen).to.deep.equal(range(9));
      expect(await second.metrics.total(second.metrics.replayed), 'events replayed from the store').to.equal(8);
      await second.stop();
    });
  }
});

describe('the event store going down', () => {
  it('holds the store writer on the failed batch (degraded) while the actors go on, then catches up without loss', async () => {
    class SwitchableEventStore extends MemoryEventStore {
      up = true;
      override async append(...args: Parameters<MemoryEventStore['append']>): Promise<void> {
        if (!this.up) throw new Error('connection refused');
        return super.append(...args);
      }
    }
    const log = new MemoryEventLog();
    const store = new SwitchableEventStore();
    const rt = runtime(log, { eventStore: store });
    await rt.start();
    try {
      const degraded = async () => (await rt.metrics.degraded.get()).values.find((v) => v.labels.component === 'event-store')?.value ?? 0;
      store.up = false;
      await publishTicks(log, ['E'], 0, 10);
      await rt.whenIdle({ timeoutMs: 5000 }); // the actors are not held up by the store
      expect(rt.states<CounterState>('counter').get('E')?.count).to.equal(10);
      await waitFor('the degraded event store', async () => (await degraded()) === 1);
      expect(store.all()).to.have.length(0);
      store.up = true;
      await waitFor('the store writer to catch up', () => store.all().length === 20, 10_000);
      expect(await degraded()).to.equal(0);
      expect(store.duplicates).to.equal(0);
    } finally {
      store.up = true;
      await rt.stop();
    }
  });
});

describe('an event the store refuses', () => {
  it('is dead-lettered with the store\'s reason and never blocks its partition', async () => {
    class PickyEventStore extends MemoryEventStore {
      override async append(...args: Parameters<MemoryEventStore['append']>): Promise<void> {
        if (args[0].some((e) => e.id === 'P-3')) throw new EventRejectedError('invalid input syntax for type uuid: "P-3"');
        return super.append(...args);
      }
    }
    const log = new MemoryEventLog();
    const store = new PickyEventStore();
    const rt = runtime(log, { eventStore: store });
    await rt.start();
    try {
      await publishTicks(log, ['P'], 0, 6);
      await rt.whenIdle({ timeoutMs: 5000 });
      await waitFor('the other ticks and every count stored', () => store.all().length === 11);
      expect(store.all().map((e) => e.id)).to.not.include('P-3');
      const letters = log.read({ topic: 'test.ticks.dlq', partition: 0 }).concat(
        log.read({ topic: 'test.ticks.dlq', partition: 1 }),
        log.read({ topic: 'test.ticks.dlq', partition: 2 }),
      );
      expect(letters.map((r) => JSON.parse(r.value.toString()) as { reason: string; detail: string; original: { id: string } }).map((l) => [l.reason, l.original.id, l.detail])).to.deep.equal([
        ['unstorable', 'P-3', 'invalid input syntax for type uuid: "P-3"'],
      ]);
      const stored = await store.offsets('regent-store');
      expect([...stored.entries()].filter(([k]) => k.startsWith('test.ticks/')).map(([, v]) => v)).to.deep.equal([6]);
    } finally {
      await rt.stop();
    }
  });
});

describe('replay order', () => {
  it('replays a partition in the order it was consumed even where event time goes backwards', async () => {
    const { rehydrate } = await import('../../runtime/cells/rehydration.js');
    const { Health } = await import('../../runtime/observe/health.js');
    const { RuntimeMetrics } = await import('../../runtime/observe/metrics.js');
    const { silentLogger } = await import('../../runtime/ports/logger.js');
    const store = new MemoryEventStore();
    // A late fill re-ordered by a failover: offset 1 carries an earlier event time than offset 0.
    const stored = [
      { ...tick('R', 0), ts: 2000, topic: 'test.ticks', partition: 0, offset: 0 },
      { ...tick('R', 1), ts: 1000, topic: 'test.ticks', partition: 0, offset: 1 },
      { ...tick('R', 2), ts: 3000, topic: 'test.ticks', partition: 0, offset: 2 },
    ];
    await store.append(stored, []);
    const metrics = new RuntimeMetrics();
    const result = await rehydrate(counterAgent(), 'R', 'counter:R', {
      stateStore: new MemoryStateStore(),
      eventStore: store,
      health: new Health(metrics, silentLogger),
      metrics,
      log: silentLogger,
      processedBound: async () => ({ 'test.ticks/0': 3 }),
      lineage: () => ({ id: 'spec', epoch: 'spec', keptBelow: () => Number.POSITIVE_INFINITY }),
      storedUpTo: async () => new Map([['test.ticks/0', 3]]),
      storeWaitMs: 0,
    });
    expect((result.state as CounterState).seen).to.deep.equal([0, 1, 2]);
    expect(result.replayed).to.equal(3);
  });
});

describe('replay in pages', () => {
  /** A memory store that counts page reads and can fail one of them. */
  class PagedStore extends MemoryEventStore {
    reads = 0;
    failRead: number | undefined;
    override async *replay(query: Parameters<MemoryEventStore['replay']>[0]) {
      const read = ++this.reads;
      if (read === this.failRead) throw new Error(`page read ${read} failed`);
      yield* super.replay(query);
    }
  }

  async function rehydrateFrom(store: PagedStore, events: number) {
    const { rehydrate } = await import('../../runtime/cells/rehydration.js');
    const { Health } = await import('../../runtime/observe/health.js');
    const { RuntimeMetrics } = await import('../../runtime/observe/metrics.js');
    const { silentLogger } = await import('../../runtime/ports/logger.js');
    const metrics = new RuntimeMetrics();
    return rehydrate(counterAgent(), 'P', 'counter:P', {
      stateStore: new MemoryStateStore(),
      eventStore: store,
      health: new Health(metrics, silentLogger),
      metrics,
      log: silentLogger,
      processedBound: async () => ({ 'test.ticks/0': events }),
      lineage: () => ({ id: 'spec', epoch: 'spec', keptBelow: () => Number.POSITIVE_INFINITY }),
      storedUpTo: async () => new Map([['test.ticks/0', events]]),
      storeWaitMs: 0,
    });
  }

  const stored = (n: number) => Array.from({ length: n }, (_, i) => ({ ...tick('P', i), topic: 'test.ticks', partition: 0, offset: i }));

  it('folds every event once, in order, across pages read ahead of the fold', async () => {
    const store = new PagedStore();
    await store.append(stored(2_500), []);
    const result = await rehydrateFrom(store, 2_500);
    expect((result.state as CounterState).seen).to.deep.equal(range(2_500));
    expect([result.replayed, store.reads]).to.deep.equal([2_500, 3]);
  });

  it('fails the rehydration with the store error when a page read ahead fails', async () => {
    const store = new PagedStore();
    store.failRead = 2;
    await store.append(stored(2_500), []);
    let error: unknown;
    try {
      await rehydrateFrom(store, 2_500);
    } catch (err) {
      error = err;
    }
    expect(String(error)).to.match(/page read 2 failed/);
  });
});
