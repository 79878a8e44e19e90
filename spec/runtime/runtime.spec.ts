import { expect } from 'chai';
import { MemoryEventLog } from '../../adapters/eventlog/memory/memory-event-log.js';
import { encodeEnvelope } from '../../runtime/events/event-types.js';
import { Runtime } from '../../runtime/runtime.js';
import { scriptedEvent } from '../../runtime/agent/test-kit.js';
import { Counted, Tick, counterAgent, type CounterState } from '../support/counter-agent.js';
import { partitionFor } from '../../runtime/events/partitioner.js';
import { waitFor } from '../support/wait.js';
import { MemoryStateStore } from '../../adapters/state/memory.js';

const topics = [
  { name: 'test.ticks', partitions: 4 },
  { name: 'test.counts', partitions: 2 },
];

function ticks(tokens: string[], perToken: number) {
  const out = [];
  for (let n = 0; n < perToken; n++) for (const token of tokens) out.push(scriptedEvent(Tick, { n }, { ts: 1000 + n, token, id: `${token}-${n}` }));
  return out;
}

async function publish(log: MemoryEventLog, events: ReturnType<typeof ticks>) {
  await log.publish('test.ticks', events.map((e) => ({ key: e.token!, value: encodeEnvelope(e) })));
}

describe('Runtime (in-process log)', () => {
  let runtime: Runtime | undefined;
  afterEach(async () => {
    await runtime?.stop();
    runtime = undefined;
  });

  it('runs an agent defined in the test end to end, in order per key, and commits every offset', async () => {
    const log = new MemoryEventLog();
    runtime = new Runtime({ stateStore: new MemoryStateStore(), eventLog: log, agents: [counterAgent({ emit: true })], eventTypes: [Tick, Counted], topics });
    await runtime.start();
    await publish(log, ticks(['BTC', 'ETH', 'SOL'], 50));
    await runtime.whenIdle({ timeoutMs: 5000 });
    const states = runtime.states<CounterState>('counter');
    expect([...states.keys()].sort()).to.deep.equal(['BTC', 'ETH', 'SOL']);
    for (const s of states.values()) expect(s.seen).to.deep.equal([...Array(50).keys()]);
    let committed = 0;
    for (let p = 0; p < 4; p++) committed += (await log.committed('regent', { topic: 'test.ticks', partition: p })) ?? 0;
    expect(committed).to.equal(150);
    let counts = 0;
    for (let p = 0; p < 2; p++) counts += log.read({ topic: 'test.counts', partition: p }).length;
    expect(counts).to.equal(150);
  });

  it('sends a record that fails validation to the DLQ with the reason and carries on', async () => {
    const log = new MemoryEventLog();
    runtime = new Runtime({ stateStore: new MemoryStateStore(), eventLog: log, agents: [counterAgent()], eventTypes: [Tick, Counted], topics });
    await runtime.start();
    const good = scriptedEvent(Tick, { n: 1 }, { ts: 1, token: 'BTC', id: 'good' });
    const bad = { ...scriptedEvent(Tick, { n: 0 }, { ts: 1, token: 'BTC', id: 'bad' }), data: { n: 'one' } };
    await log.publish('test.ticks', [
      { key: 'BTC', value: Buffer.from('{not json') },
      { key: 'BTC', value: encodeEnvelope(bad as never) },
      { key: 'BTC', value: encodeEnvelope(good) },
    ]);
    await runtime.whenIdle({ timeoutMs: 5000 });
    expect(runtime.states<CounterState>('counter').get('BTC')?.seen).to.deep.equal([1]);
    const dlq = [0, 1, 2, 3].flatMap((p) => log.read({ topic: 'test.ticks.dlq', partition: p })).map((r) => JSON.parse(r.value.toString()));
    expect(dlq.map((d) => d.reason).sort()).to.deep.equal(['invalid-data', 'malformed-json']);
    expect(dlq.find((d) => d.reason === 'invalid-data').detail).to.match(/n: /);
  });

  it('restarts a crashing actor and delivers the crashed and stashed messages in order, none lost', async () => {
    const log = new MemoryEventLog();
    const crashOn = new Map([['BTC-10', 2], ['BTC-30', 1]]);
    runtime = new Runtime({
      stateStore: new MemoryStateStore(),
      eventLog: log,
      agents: [counterAgent({ crashOn })],
      eventTypes: [Tick, Counted],
      topics,
      supervision: { backoffMinMs: 5, backoffMaxMs: 20 },
    });
    await runtime.start();
    await publish(log, ticks(['BTC', 'ETH'], 60));
    await runtime.whenIdle({ timeoutMs: 5000 });
    const states = runtime.states<CounterState>('counter');
    expect(states.get('BTC')?.seen).to.deep.equal([...Array(60).keys()]);
    expect(states.get('ETH')?.seen).to.deep.equal([...Array(60).keys()]);
    expect(runtime.restarts.map((r) => r.child)).to.deep.equal(['counter:BTC', 'counter:BTC', 'counter:BTC']);
  });

  it('dead-letters a poison message after its retries and carries on with the partition', async () => {
    const log = new MemoryEventLog();
    runtime = new Runtime({
      stateStore: new MemoryStateStore(),
      eventLog: log,
      agents: [counterAgent({ crashOn: new Map([['SOL-3', 100]]) })],
      eventTypes: [Tick, Counted],
      topics,
      supervision: { backoffMinMs: 1, backoffMaxMs: 5, maxMessageRetries: 2 },
    });
    await runtime.start();
    await publish(log, ticks(['SOL'], 8));
    await runtime.whenIdle({ timeoutMs: 5000 });
    expect(runtime.states<CounterState>('counter').get('SOL')?.seen).to.deep.equal([0, 1, 2, 4, 5, 6, 7]);
    const dlq = [0, 1, 2, 3].flatMap((p) => log.read({ topic: 'test.ticks.dlq', partition: p })).map((r) => JSON.parse(r.value.toString()));
    expect(dlq).to.have.length(1);
    expect(dlq[0].reason).to.equal('handler-failed');
    expect(dlq[0].original.id).to.equal('SOL-3');
    expect(dlq[0].detail).to.match(/boom on SOL-3 \(after 3 attempts\)/);
  });
});

describe('Router, defensive paths', () => {
  it('dead-letters a record whose agent key function throws, and keeps committing the partition', async () => {
    const log = new MemoryEventLog();
    const base = counterAgent();
    const picky = { ...base, key: (e: { token?: string; data: unknown }) => {
      if ((e.data as { n: number }).n === 1) throw new Error('no key for 1');
      return e.token;
    } };
    const runtime = new Runtime({ stateStore: new MemoryStateStore(), eventLog: log, agents: [picky as typeof base], eventTypes: [Tick, Counted], topics });
    await runtime.start();
    try {
      await publish(log, ticks(['BTC'], 3));
      await runtime.whenIdle({ timeoutMs: 5000 });
      expect(runtime.states<CounterState>('counter').get('BTC')?.seen).to.deep.equal([0, 2]);
      const dlq = [0, 1, 2, 3].flatMap((p) => log.read({ topic: 'test.ticks.dlq', partition: p })).map((r) => JSON.parse(r.value.toString()));
      expect(dlq.map((d) => [d.reason, d.detail])).to.deep.equal([['routing-failed', 'counter: no key for 1']]);
    } finally {
      await runtime.stop();
    }
  });
});

describe('Runtime stop', () => {
  it('stops promptly while an actor waits out a long restart backoff, without committing past its stashed records', async () => {
    const log = new MemoryEventLog();
    const runtime = new Runtime({
      stateStore: new MemoryStateStore(),
      eventLog: log,
      agents: [counterAgent({ crashOn: new Map([['ETH-2', 1]]) })],
      eventTypes: [Tick, Counted],
      topics,
      supervision: { backoffMinMs: 60_000, backoffMaxMs: 60_000, shutdownMs: 50 },
    });
    await runtime.start();
    await publish(log, ticks(['ETH'], 5));
    await waitFor('the crash', () => runtime.restarts.length === 1);
    const started = Date.now();
    await runtime.stop();
    expect(Date.now() - started).to.be.below(2000);
    const p = partitionFor('ETH', 4);
    expect(await log.committed('regent', { topic: 'test.ticks', partition: p }) ?? 0).to.be.at.most(2);
  });
});

describe('EventTypeRegistry.decode', () => {
  it('rejects an event whose strings contain NUL (PostgreSQL jsonb cannot store it) with a typed error', async () => {
    const { EventTypeRegistry, DecodeError } = await import('../../runtime/events/event-types.js');
    const registry = new EventTypeRegistry([Tick]);
    const raw = JSON.stringify({ ...scriptedEvent(Tick, { n: 1 }, { ts: 1, token: 'A' }), source: 'bad\u0000source' });
    let error: unknown;
    try {
      registry.decode(raw);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(DecodeError);
    expect((error as InstanceType<typeof DecodeError>).reason).to.equal('invalid-data');
    expect(registry.decode(raw.replace('\\u0000', '')).source).to.equal('badsource');
  });
});
