// Whole-pipeline figures on the in-process log: decode + validate + route + position + risk +
// trading. Throughput with everything offered at once, and tick-to-risk-decision latency at a
// fixed offered rate.
import { domainEventTypes } from '../actors/events.js';
import { positionAgent } from '../actors/position/agent.js';
import { riskAgent, type RiskState } from '../actors/risk/agent.js';
import { PositionChanged } from '../actors/position/events.js';
import { tradingAgent } from '../actors/trading/agent.js';
import { defaultConfig } from '../config/schema.js';
import { topicSpecs } from '../config/topics.js';
import { MemoryEventLog } from '../adapters/eventlog/memory/memory-event-log.js';
import { benchTicks as ticks } from './ticks.js';
import { collectGarbage } from './gc-share.js';
import { defineAgent, type AgentDefinition } from '../runtime/agent/agent.js';
import { PriceTick } from '../actors/market/events.js';
import type { Envelope } from '../runtime/events/envelope.js';
import { Runtime } from '../runtime/runtime.js';
import type { EventLog } from '../runtime/ports/event-log.js';
import { MemoryStateStore } from '../adapters/state/memory.js';


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

async function pipeline(onRiskHandled: (event: Envelope) => void = () => {}, kernelOnly = false, log: EventLog = new MemoryEventLog(), risk?: AgentDefinition<RiskState>) {
  const config = defaultConfig();
  const runtime = new Runtime({
    stateStore: new MemoryStateStore(),
    eventLog: log,
    agents: kernelOnly
      ? [instrumented(countingAgent, onRiskHandled)]
      : [
          positionAgent(),
          tradingAgent(config.trading),
          risk ?? instrumented(riskAgent(config.risk, config.execution.initialBalance), onRiskHandled),
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
  collectGarbage(); // every timed run starts without the garbage of the ones before
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
  /** From publishing a tick that makes a position critical to the risk actor emitting its force-close. */
  readonly forceClose?: { readonly count: number; readonly p50Ms: number; readonly maxMs: number };
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

/**
 * Ticks offered at a fixed rate; each risk decision is timed from its tick's publish. With
 * `forceCloseEvery`, every that many ticks BTC gets a position 20 x the account (critical
 * leverage) and, a while later, goes flat again: each episode's first BTC tick makes risk emit a
 * force-close, timed from that tick's publish.
 */
export async function tickToRiskLatency(ratePerSec: number, seconds: number, log?: EventLog, forceCloseEvery?: number): Promise<LatencyResult> {
  const count = Math.round(ratePerSec * seconds);
  const events = ticks(count, 11);
  // Publish times by tick, in an index built before the run: a map growing during it would rehash
  // (65,536 entries: tens of milliseconds) inside the measurement.
  const indexOf = new Map(events.map((e, i) => [e.id, i]));
  const publishedAt = new Float64Array(events.length).fill(Number.NaN);
  const latencies: number[] = [];
  const forceCloses: number[] = [];
  const config = defaultConfig();
  const risk = riskAgent(config.risk, config.execution.initialBalance);
  const warmUpTicks = ticks(2_000, 99);
  const warmUp = new Set(warmUpTicks.map((e) => e.id));
  let warmedUp = 0;
  const watched: AgentDefinition<RiskState> = {
    ...risk,
    handle: (state, event, ctx) => {
      const next = risk.handle(state, event, ctx) as RiskState;
      if (warmUp.has(event.id)) warmedUp++;
      const i = indexOf.get(event.id);
      const t0 = i === undefined ? Number.NaN : publishedAt[i]!;
      if (!Number.isNaN(t0)) {
        const now = performance.now();
        latencies.push(now - t0);
        if (event.token !== undefined && next.forceClosed[event.token] && !state.forceClosed[event.token]) forceCloses.push(now - t0);
      }
      return next;
    },
  };
  const { runtime, publisher } = await pipeline(undefined, false, log, watched);
  // Steady state first: on Kafka the groups are still joining when start() returns, and a fresh
  // runtime's first few hundred milliseconds (actors starting, code paths warming) are slower.
  for (let i = 0; i < warmUpTicks.length; i += 100) await publisher.publish(warmUpTicks.slice(i, i + 100));
  const deadline = performance.now() + 30_000;
  while (warmedUp < warmUp.size) {
    if (performance.now() > deadline) throw new Error('the warm-up ticks did not reach the risk actor within 30 s');
    await new Promise((r) => setTimeout(r, 5));
  }
  // The ticks, the index and the warm-up are garbage or long-lived now: collected here, not inside the run.
  collectGarbage();
  const started = performance.now();
  let next = 0;
  let lastPrice = 0;
  let episode = 0;
  while (next < events.length) {
    const due = Math.min(events.length, Math.floor(((performance.now() - started) / 1000) * ratePerSec));
    if (due > next) {
      const batch = events.slice(next, due);
      const now = performance.now();
      for (let k = next; k < due; k++) publishedAt[k] = now;
      for (const e of batch) {
        if (e.token === 'BTC') lastPrice = (e.data as { price: number }).price;
      }
      await publisher.publish(batch);
      if (forceCloseEvery && lastPrice > 0 && Math.floor(due / forceCloseEvery) > episode) {
        episode = Math.floor(due / forceCloseEvery);
        // Alternately open a critical position and close it, so every other episode force-closes.
        const size = episode % 2 === 1 ? (20 * config.execution.initialBalance) / lastPrice : 0;
        await publisher.publish([
          {
            id: `bench-position-${episode}`,
            type: PositionChanged.type,
            ts: Date.UTC(2026, 0, 1),
            token: 'BTC',
            source: 'bench',
            correlationId: `bench-position-${episode}`,
            data: { size, avgEntry: lastPrice, realizedPnl: 0, unrealizedPnl: 0, markPrice: lastPrice, fees: 0 },
          },
        ]);
      }
      next = due;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await runtime.whenIdle({ pollMs: 1 });
  await runtime.stop();
  latencies.sort((a, b) => a - b);
  forceCloses.sort((a, b) => a - b);
  return {
    offeredPerSec: ratePerSec,
    ticks: latencies.length,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    maxMs: latencies[latencies.length - 1]!,
    ...(forceCloses.length > 0 ? { forceClose: { count: forceCloses.length, p50Ms: percentile(forceCloses, 0.5), maxMs: forceCloses[forceCloses.length - 1]! } } : {}),
  };
}
