// The domain agents in start order, built from the config and the ports they need.
// Actors import ports only; the composition root hands in the adapters.
import type { Config } from '../config/schema.js';
import type { AgentDefinition } from '../runtime/agent.js';
import type { Exchange } from '../runtime/ports/exchange.js';
import { alertingAgent } from './alerting/agent.js';
import { executionAgent } from './execution/agent.js';
import { positionAgent } from './position/agent.js';
import { riskAgent } from './risk/agent.js';
import { sentimentAgent } from './sentiment/agent.js';
import { tradingAgent } from './trading/agent.js';

export interface AgentPorts {
  readonly exchange: Exchange;
}

export function createAgents(config: Config, ports: AgentPorts): AgentDefinition[] {
  return [
    positionAgent({ passivateAfterMs: config.positions.passivateAfterMs }),
    tradingAgent(config.trading),
    sentimentAgent(),
    riskAgent(config.risk, config.execution.initialBalance),
    executionAgent(config.execution, ports.exchange),
    alertingAgent(),
  ];
}
