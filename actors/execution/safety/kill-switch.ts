// Kill switch: once active, no new exposure is taken (pre-trade refuses every entry) until an
// operator resets it. Activating it also yields a plan: cancel every open order and close every
// position with a reduce-only order at the latest price. A hard limit (loss or drawdown far beyond
// the ordinary limits) activates it without a human.
import type { PeriodLosses } from './loss-windows.js';

export type KillSwitchActor = 'operator' | 'hard-limit';

export interface KillSwitchState {
  readonly active: boolean;
  readonly reason?: string;
  readonly since?: number;
  readonly by?: KillSwitchActor;
  /** The latest reset, kept for the audit trail. */
  readonly resetBy?: string;
  readonly resetReason?: string;
  readonly resetAt?: number;
}

export interface KillSwitchActivation {
  readonly by: KillSwitchActor;
  readonly reason: string;
}

export interface KillSwitchReset {
  /** Who resets it (an operator's name or id); a hard limit never resets the switch. */
  readonly by: string;
  readonly reason: string;
}

export type KillSwitchOutcome = 'activated' | 'already-active' | 'reset' | 'not-active';

export interface KillSwitchUpdate {
  readonly state: KillSwitchState;
  readonly outcome: KillSwitchOutcome;
  readonly detail: string;
}

export function initialKillSwitch(): KillSwitchState {
  return { active: false };
}

/** Activating an active switch keeps the first activation (its reason, time and actor). */
export function activateKillSwitch(state: KillSwitchState, request: KillSwitchActivation, now: number): KillSwitchUpdate {
  assertTime(now);
  if (request.by !== 'operator' && request.by !== 'hard-limit') {
    throw new RangeError(`kill switch can be activated by 'operator' or 'hard-limit', got ${String(request.by)}`);
  }
  assertText('activation reason', request.reason);
  if (state.active) {
    return {
      state,
      outcome: 'already-active',
      detail: `already active since ${state.since} (${state.by}: ${state.reason}); ignored ${request.by}: ${request.reason}`,
    };
  }
  const { resetBy, resetReason, resetAt } = state;
  return {
    state: { active: true, reason: request.reason, since: now, by: request.by, ...defined({ resetBy, resetReason, resetAt }) },
    outcome: 'activated',
    detail: `activated by ${request.by}: ${request.reason}`,
  };
}

export function resetKillSwitch(state: KillSwitchState, request: KillSwitchReset, now: number): KillSwitchUpdate {
  assertTime(now);
  assertText('reset by', request.by);
  assertText('reset reason', request.reason);
  if (!state.active) return { state, outcome: 'not-active', detail: `not active; reset by ${request.by} ignored` };
  return {
    state: { active: false, resetBy: request.by, resetReason: request.reason, resetAt: now },
    outcome: 'reset',
    detail: `reset by ${request.by} (${request.reason}); it was active since ${state.since} (${state.by}: ${state.reason})`,
  };
}

export interface KillSwitchPlanInput {
  readonly openOrders: readonly { readonly clientOrderId: string }[];
  /** Signed sizes: long > 0, short < 0. */
  readonly positions: readonly { readonly token: string; readonly size: number }[];
  /** Latest price per token. */
  readonly prices: Readonly<Record<string, number>>;
}

export interface KillSwitchClose {
  readonly token: string;
  readonly side: 'buy' | 'sell';
  readonly size: number;
  readonly price: number;
  readonly reduceOnly: true;
}

export interface KillSwitchPlan {
  readonly cancels: readonly string[];
  readonly closes: readonly KillSwitchClose[];
  /** Positions that could not be given a close order because no valid latest price is known: alert on them. */
  readonly unpriced: readonly { readonly token: string; readonly size: number }[];
}

/**
 * Cancel every open order (each client order id once) and close every non-zero position with a
 * reduce-only order on the opposite side. Several entries for one token are netted. Orders come
 * out in input order so the plan is deterministic.
 */
export function killSwitchPlan(input: KillSwitchPlanInput): KillSwitchPlan {
  const cancels = [...new Set(input.openOrders.map((o) => o.clientOrderId))];
  const net = new Map<string, number>();
  for (const p of input.positions) {
    if (!Number.isFinite(p.size)) throw new RangeError(`position size of ${p.token} must be finite, got ${p.size}`);
    net.set(p.token, (net.get(p.token) ?? 0) + p.size);
  }
  const closes: KillSwitchClose[] = [];
  const unpriced: { token: string; size: number }[] = [];
  for (const [token, size] of net) {
    if (size === 0) continue;
    const price = input.prices[token];
    if (price === undefined || !(Number.isFinite(price) && price > 0)) {
      unpriced.push({ token, size });
      continue;
    }
    closes.push({ token, side: size > 0 ? 'sell' : 'buy', size: Math.abs(size), price, reduceOnly: true });
  }
  return { cancels, closes, unpriced };
}

/** Limits beyond which the switch trips by itself; a missing limit is not checked. Losses are amounts, drawdown a percentage. */
export interface HardLimits {
  readonly dailyLoss?: number;
  readonly weeklyLoss?: number;
  readonly monthlyLoss?: number;
  /** Percent below the equity peak, e.g. 25 for 25 %. */
  readonly maxDrawdownPct?: number;
}

export interface EquityMark {
  readonly current: number;
  /** Highest equity seen (the caller keeps it, e.g. Math.max over every mark). */
  readonly peak: number;
}

export type HardLimitReason = 'hard-daily-loss' | 'hard-weekly-loss' | 'hard-monthly-loss' | 'hard-drawdown' | 'equity-depleted';

export interface HardLimitBreach {
  readonly reason: HardLimitReason;
  readonly detail: string;
}

/** The first hard limit breached (daily, weekly, monthly loss, drawdown), or undefined. A limit is breached when reached. */
export function hardLimitBreach(losses: PeriodLosses, equity: EquityMark, limits: HardLimits): HardLimitBreach | undefined {
  const periods = [
    ['daily', losses.daily, limits.dailyLoss, 'hard-daily-loss'],
    ['weekly', losses.weekly, limits.weeklyLoss, 'hard-weekly-loss'],
    ['monthly', losses.monthly, limits.monthlyLoss, 'hard-monthly-loss'],
  ] as const;
  for (const [name, loss, limit, reason] of periods) {
    // A loss that is not a number is treated as breaching: a hard limit fails closed.
    if (limit !== undefined && !(loss < limit)) return { reason, detail: `${name} loss ${loss} reached the hard limit ${limit}` };
  }
  if (!(equity.current > 0)) return { reason: 'equity-depleted', detail: `equity ${equity.current} is not positive` };
  if (limits.maxDrawdownPct !== undefined && equity.peak > 0) {
    const drawdownPct = ((equity.peak - equity.current) / equity.peak) * 100;
    if (!(drawdownPct < limits.maxDrawdownPct)) {
      return {
        reason: 'hard-drawdown',
        detail: `drawdown ${drawdownPct.toFixed(2)} % from peak ${equity.peak} to ${equity.current} reached the hard limit ${limits.maxDrawdownPct} %`,
      };
    }
  }
  return undefined;
}

function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function assertText(what: string, value: string): void {
  if (typeof value !== 'string' || value.trim() === '') throw new RangeError(`kill switch ${what} must be a non-empty string`);
}

function assertTime(now: number): void {
  if (!Number.isFinite(now)) throw new RangeError(`time must be a finite ms timestamp, got ${now}`);
}
