// The domain agents in start order, built from the config and the ports they need.
// Actors import ports only; the composition root hands in the adapters.
import type { Config } from '../config/schema.js';
import type { AgentDefinition } from '../runtime/agent/agent.js';
import type { AuditLog } from '../runtime/ports/audit-log.js';
import type { Exchange } from '../runtime/ports/exchange.js';
import type { LlmClient } from '../runtime/ports/llm.js';
import type { OrderJournal } from '../runtime/ports/order-journal.js';
import { alertingAgent } from './alerting/agent.js';
import { executionAgent } from './execution/agent.js';
import { positionAgent } from './position/agent.js';
import { riskAgent } from './risk/agent.js';
import { sentimentAgent } from './sentiment/agent.js';
import { tradingAgent } from './trading/agent.js';

export interface AgentPorts {
  readonly exchange: Exchange;
  readonly journal: OrderJournal;
  readonly audit: AuditLog;
  /** Absent: rule-based trading only. */
  readonly llm?: LlmClient;
}

export function createAgents(config: Config, ports: AgentPorts): AgentDefinition[] {
  return [
    positionAgent({ passivateAfterMs: config.positions.passivateAfterMs }),
    tradingAgent(
      config.trading,
      ports.llm
        ? {
            client: ports.llm,
            minConfidence: config.llm.minConfidence,
            // The model is shown the usual entry (sizing at the starting balance, within the position limit).
            maxNotional: Math.min(config.execution.initialBalance * config.execution.sizing.fraction, config.execution.positionLimits.maxNotional ?? Infinity),
            timeoutMs: config.llm.timeoutMs,
            abandonAfterMs: config.llm.abandonAfterMs,
          }
        : undefined,
    ),
    sentimentAgent(),
    riskAgent(config.risk, config.execution.initialBalance),
    executionAgent(config.execution, { exchange: ports.exchange, journal: ports.journal, audit: ports.audit }, { tokens: config.feed.tokens }),
    alertingAgent(),
  ];
}
