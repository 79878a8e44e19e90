import { expect } from 'chai';
import { alertingAgent } from '../../../actors/alerting/agent.js';
import { acknowledge, HISTORY_CAP, ruleFor } from '../../../actors/alerting/rules.js';
import { RiskAlert } from '../../../actors/risk/events.js';
import { runAgent, scriptedEvent } from '../../../runtime/agent/test-kit.js';

type Level = 'info' | 'warning' | 'critical';
type Metric = 'leverage' | 'liquidation-distance' | 'correlation' | 'drawdown';
const alert = (metric: Metric, level: Level, ts: number, token = 'SOL') =>
  scriptedEvent(RiskAlert, { metric, level, value: 1, threshold: 1, message: `${metric} ${level} #${ts}` }, { ts, token });

describe('alerting agent', () => {
  it('keeps a history of alerts with rule severities, unacknowledged', async () => {
    const run = await runAgent(alertingAgent(), [
      alert('leverage', 'warning', 1),
      alert('liquidation-distance', 'critical', 2, 'ETH'),
      alert('leverage', 'info', 3),
    ]);
    const { history, counts } = run.state();
    expect(history).to.deep.equal([
      { ts: 1, token: 'SOL', metric: 'leverage', level: 'warning', severity: 'medium', channel: 'log', message: 'leverage warning #1', acknowledged: false },
      { ts: 2, token: 'ETH', metric: 'liquidation-distance', level: 'critical', severity: 'critical', channel: 'log', message: 'liquidation-distance critical #2', acknowledged: false },
      { ts: 3, token: 'SOL', metric: 'leverage', level: 'info', severity: 'low', channel: 'log', message: 'leverage info #3', acknowledged: false },
    ]);
    expect(counts).to.deep.equal({ low: 1, medium: 1, high: 0, critical: 1 });
  });

  it('caps the history at 200 entries, dropping the oldest, while counts keep growing', async () => {
    const events = Array.from({ length: 205 }, (_, i) => alert('correlation', 'warning', i + 1));
    const { history, counts } = (await runAgent(alertingAgent(), events)).state();
    expect(HISTORY_CAP).to.equal(200);
    expect(history).to.have.length(200);
    expect(history[0]!.ts).to.equal(6);
    expect(history[199]!.ts).to.equal(205);
    expect(counts.medium).to.equal(205);
  });

  it('maps every (metric, level) to a log channel and acknowledges without mutating', async () => {
    expect(ruleFor('correlation', 'critical')).to.deep.equal({ severity: 'high', channel: 'log' });
    const { history } = (await runAgent(alertingAgent(), [alert('drawdown', 'warning', 1), alert('leverage', 'critical', 2)])).state();
    const acked = acknowledge(history, (e) => e.metric === 'drawdown');
    expect(acked.map((e) => e.acknowledged)).to.deep.equal([true, false]);
    expect(history.map((e) => e.acknowledged)).to.deep.equal([false, false]);
  });
});
