// Pure decisions of the risk actor: the account as risk sees it (cash from realized PnL and fees,
// positions marked at the latest ticks), level bookkeeping per (metric, token), alert wording.
// A level is reported only when it changes; a drop back to 'ok' is reported as 'info'.
import type { RiskLevel } from './risk-math.js';

export type RiskMetric = 'leverage' | 'liquidation-distance' | 'correlation' | 'drawdown';
export type AlertLevel = 'info' | 'warning' | 'critical';

export interface RiskPosition {
  readonly size: number;
  readonly avgEntry: number;
  readonly realizedPnl: number;
  readonly fees: number;
}

export interface AccountView {
  readonly equity: number;
  readonly grossNotional: number;
  /** Tokens with a non-zero position, in insertion order. */
  readonly openTokens: string[];
}

/** Cash = initial balance + realized PnL - fees; equity adds unrealized PnL at the latest marks. */
export function accountView(
  initialBalance: number,
  positions: Readonly<Record<string, RiskPosition>>,
  marks: Readonly<Record<string, number>>,
): AccountView {
  let cash = initialBalance;
  let unrealized = 0;
  let grossNotional = 0;
  const openTokens: string[] = [];
  for (const token in positions) {
    const p = positions[token]!;
    cash += p.realizedPnl - p.fees;
    if (p.size === 0) continue;
    const mark = marks[token] ?? p.avgEntry;
    unrealized += p.size * (mark - p.avgEntry);
    grossNotional += Math.abs(p.size) * mark;
    openTokens.push(token);
  }
  return { equity: cash + unrealized, grossNotional, openTokens };
}

/** Account-wide metrics (leverage, correlation) have no token in their key. */
export function levelKey(metric: RiskMetric, token?: string): string {
  return token === undefined ? metric : `${metric}:${token}`;
}

/** The alert level to publish when a level moves from `previous` to `next`, or undefined if unchanged. */
export function alertOnChange(previous: RiskLevel | undefined, next: RiskLevel): AlertLevel | undefined {
  if ((previous ?? 'ok') === next) return undefined;
  return next === 'ok' ? 'info' : next;
}

/** Threshold to report with a level: the one crossed, or the warning one when back to ok. */
export function thresholdFor(level: RiskLevel, warning: number, critical: number): number {
  return level === 'critical' ? critical : warning;
}

/** Event schemas want finite numbers; an unbounded value (no equity, no liquidation price) is capped. */
export function finiteValue(x: number): number {
  return Number.isFinite(x) ? x : Number.MAX_VALUE;
}

export function describeLevel(metric: RiskMetric, subject: string, level: RiskLevel, value: number, threshold: number): string {
  const shown = Number.isFinite(value) ? value.toFixed(4) : 'unbounded';
  return level === 'ok'
    ? `${metric} of ${subject} back to ok: ${shown} (warning threshold ${threshold})`
    : `${metric} of ${subject} is ${level}: ${shown} (threshold ${threshold})`;
}

/** Appends and keeps the last `cap` values, as a new array. */
export function pushCapped(xs: readonly number[], x: number, cap: number): number[] {
  const start = xs.length >= cap ? xs.length - cap + 1 : 0;
  const out = xs.slice(start);
  out.push(x);
  return out;
}
