// Alerting rules as data: each (metric, level) of a risk alert maps to a severity and a channel.
// Pure helpers turn an alert into a history entry and keep the capped history and counts.

export type AlertMetric = 'leverage' | 'liquidation-distance' | 'correlation' | 'drawdown';
export type AlertLevel = 'info' | 'warning' | 'critical';
export type Severity = 'low' | 'medium' | 'high' | 'critical';
export type Channel = 'log';

export interface AlertRule {
  readonly severity: Severity;
  readonly channel: Channel;
}

export const ALERT_RULES: Readonly<Record<AlertMetric, Readonly<Record<AlertLevel, AlertRule>>>> = {
  leverage: {
    info: { severity: 'low', channel: 'log' },
    warning: { severity: 'medium', channel: 'log' },
    critical: { severity: 'critical', channel: 'log' },
  },
  'liquidation-distance': {
    info: { severity: 'low', channel: 'log' },
    warning: { severity: 'high', channel: 'log' },
    critical: { severity: 'critical', channel: 'log' },
  },
  // Correlation only concentrates risk, so even its worst level is not paged as critical.
  correlation: {
    info: { severity: 'low', channel: 'log' },
    warning: { severity: 'medium', channel: 'log' },
    critical: { severity: 'high', channel: 'log' },
  },
  drawdown: {
    info: { severity: 'low', channel: 'log' },
    warning: { severity: 'high', channel: 'log' },
    critical: { severity: 'critical', channel: 'log' },
  },
};

export interface AlertEntry {
  readonly ts: number;
  readonly token: string | null;
  readonly metric: AlertMetric;
  readonly level: AlertLevel;
  readonly severity: Severity;
  readonly channel: Channel;
  readonly message: string;
  readonly acknowledged: boolean;
}

export const HISTORY_CAP = 200;

export function ruleFor(metric: AlertMetric, level: AlertLevel): AlertRule {
  return ALERT_RULES[metric][level];
}

export function emptyCounts(): Record<Severity, number> {
  return { low: 0, medium: 0, high: 0, critical: 0 };
}

/** Appends an entry, keeping the last HISTORY_CAP, as a new array. */
export function appendHistory(history: readonly AlertEntry[], entry: AlertEntry, cap: number = HISTORY_CAP): AlertEntry[] {
  const out = history.slice(Math.max(0, history.length - cap + 1));
  out.push(entry);
  return out;
}

/** Marks the entries matching `match` as acknowledged, as a new array. */
export function acknowledge(history: readonly AlertEntry[], match: (entry: AlertEntry) => boolean): AlertEntry[] {
  return history.map((e) => (!e.acknowledged && match(e) ? { ...e, acknowledged: true } : e));
}
