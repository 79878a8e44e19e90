// What an idle token costs in memory: a runtime with the position and trading agents gets one tick
// for each of N tokens (so each token has two live actors, idle after it), and the V8 heap in use
// after a full GC is compared with the heap before. The log's own copy of the ticks is measured
// apart, on a bare in-process log, and taken out.
import { domainEventTypes } from '../actors/events.js';
import { positionAgent } from '../actors/position/agent.js';
import { tradingAgent } from '../actors/trading/agent.js';
import { defaultConfig } from '../config/schema.js';
import { topicSpecs } from '../config/topics.js';
import { MemoryEventLog } from '../adapters/eventlog/memory/memory-event-log.js';
import { MemoryStateStore } from '../adapters/state/memory.js';
import { PriceTick } from '../actors/market/events.js';
import { encodeEnvelope } from '../runtime/events/event-types.js';
import type { Envelope } from '../runtime/events/envelope.js';
import { Runtime } from '../runtime/runtime.js';
import { collectGarbage } from './gc-share.js';

function heapUsed(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

function oneTickEach(tokens: number): Envelope[] {
  return Array.from({ length: tokens }, (_, i) => ({
    id: `idle-bench-${i}`,
    type: PriceTick.type,
    ts: Date.UTC(2026, 0, 1),
    token: `T${i}`,
    source: 'bench',
    correlationId: `idle-bench-${i}`,
    data: { price: 100 + i / tokens, volume: 1 },
  }));
}

export interface IdleActorMemory {
  readonly tokens: number;
  readonly actors: number;
  readonly bytesPerActor: number;
  readonly bytesPerToken: number;
}

export async function idleActorMemory(tokens: number): Promise<IdleActorMemory> {
  const events = oneTickEach(tokens);
  // The log's copy of the ticks, on its own.
  const before = heapUsed();
  const bare = new MemoryEventLog();
  await bare.createTopics(topicSpecs());
  await bare.publish(PriceTick.topic, events.map((e) => ({ key: e.token!, value: encodeEnvelope(e) })));
  const logBytes = heapUsed() - before;
  await bare.close();

  const config = defaultConfig();
  const runtime = new Runtime({
    stateStore: new MemoryStateStore(),
    eventLog: new MemoryEventLog(),
    agents: [positionAgent(), tradingAgent(config.trading)],
    eventTypes: domainEventTypes,
    topics: topicSpecs(),
    passivationSweepMs: 0,
    snapshotEvery: 1_000_000,
  });
  await runtime.start();
  try {
    const started = heapUsed();
    await runtime.publisherPort.publish(events);
    await runtime.whenIdle({ pollMs: 5 });
    const grown = heapUsed() - started - logBytes;
    let actors = 0;
    for (const { actors: n } of runtime.registry.load().values()) actors += n;
    return { tokens, actors, bytesPerActor: grown / actors, bytesPerToken: grown / tokens };
  } finally {
    await runtime.stop();
  }
}
