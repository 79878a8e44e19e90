// The alerting actor (singleton): applies the rule table to every risk alert, keeps a capped
// history with acknowledgement flags and counts by severity, and routes each alert to its channel.
import { defineAgent } from '../../runtime/agent/agent.js';
import { RiskAlert } from '../risk/events.js';
import { appendHistory, emptyCounts, ruleFor, type AlertEntry, type Severity } from './rules.js';

export interface AlertingState {
  readonly history: readonly AlertEntry[];
  readonly counts: Readonly<Record<Severity, number>>;
}

export function alertingAgent() {
  return defineAgent({
    name: 'alerting',
    consumes: [RiskAlert],
    key: 'singleton',
    initialState: (): AlertingState => ({ history: [], counts: emptyCounts() }),
    handle: (state, event, ctx) => {
      const { metric, level, value, threshold, message } = event.data;
      const rule = ruleFor(metric, level);
      const entry: AlertEntry = {
        ts: event.ts,
        token: event.token ?? null,
        metric,
        level,
        severity: rule.severity,
        channel: rule.channel,
        message,
        acknowledged: false,
      };
      // 'log' is the only channel so far; others (webhook, pager) would be ports, not adapters.
      const fields = { alert: metric, token: entry.token, level, severity: rule.severity, value, threshold };
      if (level === 'critical') ctx.log.error(fields, message);
      else if (level === 'warning') ctx.log.warn(fields, message);
      else ctx.log.info(fields, message);
      return {
        history: appendHistory(state.history, entry),
        counts: { ...state.counts, [rule.severity]: state.counts[rule.severity] + 1 },
      };
    },
  });
}
