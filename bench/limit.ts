// The limit for the pipeline bench: the same work per tick, hand-wired, without actors or a log.
// Each tick's record is decoded once (JSON + zod, as a consumer does) and handed straight to the
// position, trading and risk handlers through the same agent context the runtime builds. What the
// pipeline costs beyond this is the runtime's own: publishing, the log, routing, mailboxes,
// applied offsets, snapshots and metrics.
import { domainEventTypes } from '../actors/events.js';
import { positionAgent } from '../actors/position/agent.js';
import { riskAgent } from '../actors/risk/agent.js';
import { tradingAgent } from '../actors/trading/agent.js';
import { defaultConfig } from '../config/schema.js';
import { createAgentContext } from '../runtime/agent/agent-context.js';
import { routeKey, type AgentDefinition } from '../runtime/agent/agent.js';
import { EventTypeRegistry, encodeEnvelope } from '../runtime/events/event-types.js';
import type { Envelope } from '../runtime/events/envelope.js';
import { silentLogger } from '../runtime/ports/logger.js';
import { benchTicks } from './ticks.js';
import { collectGarbage } from './gc-share.js';

/** Ticks per second through decode + position + trading + risk on one core, no runtime in between. */
export function handWiredThroughput(count: number): { ticksPerSec: number; emitted: number } {
  const config = defaultConfig();
  const agents: AgentDefinition<any>[] = [positionAgent(), tradingAgent(config.trading), riskAgent(config.risk, config.execution.initialBalance)];
  const types = new EventTypeRegistry(domainEventTypes);
  const records = benchTicks(count, 7).map(encodeEnvelope);
  const states = agents.map(() => new Map<string, unknown>());
  collectGarbage(); // every timed run starts without the garbage of the ones before
  let emitted = 0;
  const started = performance.now();
  for (const value of records) {
    const event = types.decode(value);
    for (let i = 0; i < agents.length; i++) {
      const agent = agents[i]!;
      const key = routeKey(agent, event)!;
      const outbox: Envelope[] = [];
      const ctx = createAgentContext(`${agent.name}:${key}`, key, agent.name, event, outbox, silentLogger);
      const byKey = states[i]!;
      byKey.set(key, agent.handle(byKey.get(key) ?? agent.initialState(key), event, ctx));
      emitted += outbox.length;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return { ticksPerSec: count / seconds, emitted };
}
