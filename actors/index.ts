// The domain agents in start order, built from their settings and the ports they need.
// Actors import ports only; the composition root hands in the adapters.
import type { AgentDefinition } from '../runtime/agent/agent.js';
import type { AuditTrail } from '../runtime/ports/audit-trail.js';
import type { Exchange } from '../runtime/ports/exchange.js';
import type { LlmClient } from '../runtime/ports/llm.js';
import type { OrderJournal } from '../runtime/ports/order-journal.js';
import { alertingAgent } from './alerting/agent.js';
import type { ExecutionSettings } from './execution/config.js';
import { executionAgent } from './execution/agent.js';
import type { PositionSettings } from './position/config.js';
import { positionAgent } from './position/agent.js';
import type { RiskSettings } from './risk/config.js';
import { riskAgent } from './risk/agent.js';
import { sentimentAgent } from './sentiment/agent.js';
import type { TradingSettings } from './trading/config.js';
import { tradingAgent } from './trading/agent.js';

/**
 * What the agents read of the configuration, under its keys: each actor's own slice, the traded
 * tokens, and how the trading actor waits for and weighs the model's answers. config/schema.ts's
 * Config is one such value.
 */
export interface AgentSettings {
  readonly positions: PositionSettings;
  readonly trading: TradingSettings;
  readonly risk: RiskSettings;
  readonly execution: ExecutionSettings;
  readonly feed: { readonly tokens: readonly string[] };
  readonly llm: { readonly minConfidence: number; readonly timeoutMs: number; readonly abandonAfterMs: number };
}

export interface AgentPorts {
  readonly exchange: Exchange;
  readonly journal: OrderJournal;
  readonly audit: AuditTrail;
  /** Absent: rule-based trading only. */
  readonly llm?: LlmClient;
}

export function createAgents(settings: AgentSettings, ports: AgentPorts): AgentDefinition[] {
  const { execution, llm } = settings;
  return [
    positionAgent(settings.positions),
    tradingAgent(
      settings.trading,
      ports.llm
        ? {
            client: ports.llm,
            minConfidence: llm.minConfidence,
            // The model is shown the usual entry (sizing at the starting balance, within the position limit).
            maxNotional: Math.min(execution.initialBalance * execution.sizing.fraction, execution.positionLimits.maxNotional ?? Infinity),
            timeoutMs: llm.timeoutMs,
            abandonAfterMs: llm.abandonAfterMs,
          }
        : undefined,
    ),
    sentimentAgent(),
    riskAgent(settings.risk, execution.initialBalance),
    executionAgent(execution, { exchange: ports.exchange, journal: ports.journal, audit: ports.audit }, { tokens: settings.feed.tokens }),
    alertingAgent(),
  ];
}
