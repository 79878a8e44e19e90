// Whole-pipeline figures on the in-process log: decode + validate + route + position + risk +
// trading. Throughput with everything offered at once, and tick-to-risk-decision latency at a
// fixed offered rate.
import { domainEventTypes } from '../actors/events.js';
import { positionAgent } from '../actors/position/agent.js';
import { riskAgent } from '../actors/risk/agent.js';
import { tradingAgent } from '../actors/trading/agent.js';
import { defaultConfig } from '../config/schema.js';
import { topicSpecs } from '../config/topics.js';
import { MemoryEventLog } from '../adapters/eventlog/memory/memory-event-log.js';
import { SyntheticFeed } from '../adapters/feeds/synthetic.js';
import { defineAgent, type AgentDefinition } from '../runtime/agent/agent.js';
import { PriceTick } from '../actors/market/events.js';
import type { Envelope } from '../runtime/events/envelope.js';
import { Runtime } from '../runtime/runtime.js';
import type { EventLog } from '../runtime/ports/event-log.js';
import { MemoryStateStore } from '../adapters/state/memory.js';

const TOKENS = ['BTC', 'ETH', 'SOL', 'ARB', 'DOGE', 'AVAX', 'LINK', 'OP', 'SUI', 'APT'];

function ticks(count: number, seed: number): Envelope[] {
  const feed = new SyntheticFeed({
    seed,
    tokens: TOKENS,
    tickIntervalMs: 1000,
    startTime: Date.UTC(2026, 0, 1),
    liquidationProbability: 0,
    sentimentProbability: 0,
    maxEvents: count,
  });
  return [...feed.events()];
}

/** Wraps an agent so every handled event reports when it finished. */
function instrumented<S>(agent: AgentDefinition<S>, onHandled: (event: Envelope) => void): AgentDefinition<S> {
  return {
    ...agent,
    handle: (state, event, ctx) => {
      const next = agent.handle(state, event, ctx);
      onHandled(event);
      return next;
    },
  };
}

/** A keyed agent that does nothing but count: what is left is the kernel's own cost. */
const countingAgent = defineAgent({
  name: 'counting',
  consumes: [PriceTick],
  key: 'token',
  initialState: () => 0,
  handle: (count) => count + 1,
});

async function pipeline(onRiskHandled: (event: Envelope) => void = () => {}, kernelOnly = false, log: EventLog = new MemoryEventLog()) {
  const config = defaultConfig();
  const runtime = new Runtime({
    stateStore: new MemoryStateStore(),
    eventLog: log,
    agents: kernelOnly
      ? [instrumented(countingAgent, onRiskHandled)]
      : [
          positionAgent(),
          tradingAgent(config.trading),
          instrumented(riskAgent(config.risk, config.execution.initialBalance), onRiskHandled),
        ],
    eventTypes: domainEventTypes,
    topics: topicSpecs(),
    passivationSweepMs: 0,
  });
  await runtime.start();
  return { runtime, publisher: runtime.publisherPort };
}

/** Ticks per second through the pipeline (or, with kernelOnly, through one counting actor per token). */
export async function pipelineThroughput(count: number, kernelOnly = false, log?: EventLog): Promise<{ ticksPerSec: number; handled: number }> {
  const events = ticks(count, 7);
  let handled = 0;
  const { runtime, publisher } = await pipeline(() => handled++, kernelOnly, log);
  const started = performance.now();
  const chunk = 5000;
  for (let i = 0; i < events.length; i += chunk) {
    await publisher.publish(events.slice(i, i + chunk));
    // Keep the backlog bounded, as the feed pump does.
    while (handled < i - 4 * chunk) await new Promise((resolve) => setImmediate(resolve));
  }
  await runtime.whenIdle({ pollMs: 1 });
  const seconds = (performance.now() - started) / 1000;
  await runtime.stop();
  return { ticksPerSec: count / seconds, handled };
}

export interface LatencyResult {
  readonly offeredPerSec: number;
  readonly ticks: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export async function tickToRiskLatency(ratePerSec: number, seconds: number, log?: EventLog): Promise<LatencyResult> {
  const count = Math.round(ratePerSec * seconds);
  const events = ticks(count, 11);
  const publishedAt = new Map<string, number>();
  const latencies: number[] = [];
  const { runtime, publisher } = await pipeline((event) => {
    const t0 = publishedAt.get(event.id);
    if (t0 !== undefined) latencies.push(performance.now() - t0);
  }, false, log);
  const started = performance.now();
  let next = 0;
  while (next < events.length) {
    const due = Math.min(events.length, Math.floor(((performance.now() - started) / 1000) * ratePerSec));
    if (due > next) {
      const batch = events.slice(next, due);
      const now = performance.now();
      for (const e of batch) publishedAt.set(e.id, now);
      await publisher.publish(batch);
      next = due;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await runtime.whenIdle({ pollMs: 1 });
  await runtime.stop();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  return { offeredPerSec: ratePerSec, ticks: latencies.length, p50Ms: pct(0.5), p99Ms: pct(0.99), maxMs: latencies[latencies.length - 1]! };
}
