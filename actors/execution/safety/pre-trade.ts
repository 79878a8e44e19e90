// Pre-trade checks: given an order, the book and the state of every safety system, answer ALLOW,
// REJECT or MANUAL_REVIEW with a machine-readable reason and a human detail. The checks below run
// in order and the first failure wins. An order that only reduces its position is always allowed
// unless it is malformed: closing risk must stay possible whatever else has tripped.
import type { KillSwitchState } from './kill-switch.js';
import type { PeriodLosses } from './loss-windows.js';
import { GLOBAL_SCOPE, type ProtectionLock } from './protections.js';

export type Verdict = 'ALLOW' | 'REJECT' | 'MANUAL_REVIEW';
export type PreTradeReason =
  | 'ok'
  | 'reduce-only'
  | 'invalid-order'
  | 'invalid-input'
  | 'kill-switch'
  | 'protection-lock'
  | 'breaker-open'
  | 'daily-loss-limit'
  | 'weekly-loss-limit'
  | 'monthly-loss-limit'
  | 'insufficient-balance'
  | 'leverage-limit'
  | 'position-size-limit'
  | 'position-notional-limit'
  | 'total-notional-limit'
  | 'volatility-gate'
  | 'concentration-limit'
  | 'correlated-exposure-limit'
  | 'rate-limited'
  | 'notional-review';

export interface PreTradeOrder {
  readonly token: string;
  readonly side: 'buy' | 'sell';
  /** Tokens, > 0. */
  readonly size: number;
  /** Reference price; the order's token is marked at it. */
  readonly price: number;
  /** The order may only shrink the position; one that would grow or flip it is invalid. */
  readonly reduceOnly: boolean;
}

export interface HeldPosition {
  /** Signed: long > 0, short < 0. */
  readonly size: number;
  /** Latest mark price. */
  readonly price: number;
}

/** A yes/no from another safety system (the exchange's circuit breaker, its order rate limit). */
export interface Gate {
  readonly allowed: boolean;
  readonly detail?: string;
}

export interface PreTradeInput {
  readonly order: PreTradeOrder;
  /** Every held position by token, the order's token included when held. */
  readonly positions: Readonly<Record<string, HeldPosition>>;
  /** Account equity (cash + unrealized PnL). */
  readonly equity: number;
  /** Free collateral available for new margin. */
  readonly availableBalance: number;
  /** Realized + unrealized loss of the current day, week and month (loss-windows.ts). */
  readonly losses: PeriodLosses;
  readonly killSwitch: Pick<KillSwitchState, 'active' | 'reason' | 'by'>;
  /** Locks active now for the order's token and global ones (protections.ts activeLocks). */
  readonly activeLocks: readonly ProtectionLock[];
  /** Whether the exchange's circuit breaker would let a request through (circuit-breaker.ts breakerPeek). */
  readonly exchangeBreaker: Gate;
  /** The exchange's order rate limit decision (order-rate-limit.ts rateLimitAllows). */
  readonly orderRateLimit: Gate;
  /** Recent realized volatility of the order's token, in the units of limits.maxVolatility; undefined = not measured yet. */
  readonly volatility?: number;
  /** Correlation (-1..1) of the order token's recent returns with each held token's; a missing token counts as uncorrelated. */
  readonly correlations: Readonly<Record<string, number>>;
}

export interface PositionLimit {
  /** Max |position| in tokens. */
  readonly maxSize?: number;
  /** Max |position| * price. */
  readonly maxNotional?: number;
}

/** Every optional limit is off when absent. */
export interface PreTradeLimits {
  /** Cap on gross notional / equity; also the margin rate for new exposure (added notional / maxLeverage). */
  readonly maxLeverage: number;
  /** Loss amounts; new exposure is refused once a period's loss reaches its limit. */
  readonly lossLimits: { readonly daily?: number; readonly weekly?: number; readonly monthly?: number };
  readonly positionLimits: PositionLimit;
  /** Per-token limits; a field absent here falls back to positionLimits. */
  readonly positionLimitOverrides?: Readonly<Record<string, PositionLimit>>;
  /** Max gross notional across all tokens after the order. */
  readonly maxTotalNotional?: number;
  readonly maxVolatility?: number;
  readonly concentration?: {
    /** Max share (0..1] of the token's notional in gross notional after the order. */
    readonly maxShare: number;
    /** The check applies only once gross notional after the order exceeds this: a small book is not concentrated. */
    readonly minGrossNotional: number;
  };
  readonly correlation?: {
    /** Held positions with correlation above this (-1..1) count as the same exposure. */
    readonly threshold: number;
    /** Max notional of the order's token position after the order plus same-direction correlated positions. */
    readonly maxCorrelatedNotional: number;
  };
  /** Orders with notional at or above this wait for an operator. */
  readonly manualReviewNotional?: number;
}

export interface PreTradeDecision {
  readonly verdict: Verdict;
  readonly reason: PreTradeReason;
  readonly detail: string;
}

/** True when the order only shrinks the position (opposite side, not larger than it). */
export function isReducing(positionSize: number, side: 'buy' | 'sell', size: number): boolean {
  const delta = side === 'buy' ? size : -size;
  return positionSize !== 0 && Math.sign(delta) !== Math.sign(positionSize) && size <= Math.abs(positionSize) * (1 + 1e-12);
}

/** What the checks need, computed once. The order's token is marked at the order price. */
interface Context {
  readonly input: PreTradeInput;
  readonly limits: PreTradeLimits;
  readonly direction: 1 | -1;
  readonly positionSize: number;
  readonly newSize: number;
  readonly orderNotional: number;
  readonly newPositionNotional: number;
  readonly grossAfter: number;
  /** Gross notional the order adds (negative for a flip that ends smaller). */
  readonly addedNotional: number;
}

type Check = (c: Context) => PreTradeDecision | undefined;

// In order; the first that answers decides. Invalid orders and reducing orders are settled before these.
const CHECKS: readonly Check[] = [
  checkInputs,
  checkKillSwitch,
  checkLocks,
  checkBreaker,
  checkLossLimits,
  checkBalance,
  checkLeverage,
  checkPositionLimits,
  checkVolatility,
  checkConcentration,
  checkCorrelation,
  checkRateLimit,
  checkManualReview,
];

export function preTradeCheck(input: PreTradeInput, limits: PreTradeLimits): PreTradeDecision {
  assertLimits(limits);
  const { token, side, size, price, reduceOnly } = input.order;
  if (typeof token !== 'string' || token === '') return reject('invalid-order', 'order token must be a non-empty string');
  if (side !== 'buy' && side !== 'sell') return reject('invalid-order', `order side must be buy or sell, got ${String(side)}`);
  if (!positiveFinite(size)) return reject('invalid-order', `order size must be a positive number, got ${size}`);
  if (!positiveFinite(price)) return reject('invalid-order', `order price must be a positive number, got ${price}`);
  const positionSize = input.positions[token]?.size ?? 0;
  if (!Number.isFinite(positionSize)) return reject('invalid-input', `position size of ${token} must be finite, got ${positionSize}`);

  // Closing exposure must stay possible when limits are breached: that is how risk comes down.
  if (isReducing(positionSize, side, size)) return allow('reduce-only', 'order reduces the existing position');
  if (reduceOnly) return reject('invalid-order', `reduce-only ${side} of ${size} would not reduce position ${positionSize}`);

  const direction = side === 'buy' ? 1 : -1;
  const newSize = positionSize + direction * size;
  const newPositionNotional = Math.abs(newSize) * price;
  let otherGross = 0;
  for (const [t, p] of Object.entries(input.positions)) if (t !== token) otherGross += Math.abs(p.size) * p.price;
  const grossAfter = otherGross + newPositionNotional;
  const context: Context = {
    input,
    limits,
    direction,
    positionSize,
    newSize,
    orderNotional: size * price,
    newPositionNotional,
    grossAfter,
    addedNotional: newPositionNotional - Math.abs(positionSize) * price,
  };
  for (const check of CHECKS) {
    const decision = check(context);
    if (decision) return decision;
  }
  return allow('ok', 'all pre-trade checks passed');
}

function checkInputs({ input }: Context): PreTradeDecision | undefined {
  // A NaN would make every comparison below false and let the order through: refuse instead.
  if (!Number.isFinite(input.equity)) return reject('invalid-input', `equity must be finite, got ${input.equity}`);
  if (!Number.isFinite(input.availableBalance)) return reject('invalid-input', `available balance must be finite, got ${input.availableBalance}`);
  for (const [period, loss] of Object.entries(input.losses)) {
    if (!(Number.isFinite(loss) && loss >= 0)) return reject('invalid-input', `${period} loss must be a number >= 0, got ${loss}`);
  }
  for (const [token, p] of Object.entries(input.positions)) {
    if (!Number.isFinite(p.size) || !(p.size === 0 || positiveFinite(p.price))) {
      return reject('invalid-input', `position ${token} needs a finite size and a positive price, got size ${p.size} price ${p.price}`);
    }
  }
  if (input.volatility !== undefined && !(Number.isFinite(input.volatility) && input.volatility >= 0)) {
    return reject('invalid-input', `volatility must be a number >= 0, got ${input.volatility}`);
  }
  for (const [token, rho] of Object.entries(input.correlations)) {
    if (!(rho >= -1 && rho <= 1)) return reject('invalid-input', `correlation with ${token} must be in [-1, 1], got ${rho}`);
  }
  return undefined;
}

function checkKillSwitch({ input }: Context): PreTradeDecision | undefined {
  const k = input.killSwitch;
  if (!k.active) return undefined;
  return reject('kill-switch', `kill switch active (${k.by ?? 'unknown'}: ${k.reason ?? 'no reason given'}): new entries refused`);
}

function checkLocks({ input }: Context): PreTradeDecision | undefined {
  const token = input.order.token;
  const lock = input.activeLocks.find((l) => l.scope === GLOBAL_SCOPE || l.scope === token);
  if (!lock) return undefined;
  return reject('protection-lock', `${lock.scope} ${lock.reason} lock until ${lock.until}: ${lock.detail}`);
}

function checkBreaker({ input }: Context): PreTradeDecision | undefined {
  if (input.exchangeBreaker.allowed) return undefined;
  return reject('breaker-open', `exchange circuit breaker refuses requests${suffix(input.exchangeBreaker.detail)}`);
}

function checkLossLimits({ input, limits }: Context): PreTradeDecision | undefined {
  const periods = [
    ['daily', input.losses.daily, limits.lossLimits.daily, 'daily-loss-limit'],
    ['weekly', input.losses.weekly, limits.lossLimits.weekly, 'weekly-loss-limit'],
    ['monthly', input.losses.monthly, limits.lossLimits.monthly, 'monthly-loss-limit'],
  ] as const;
  for (const [name, loss, limit, reason] of periods) {
    if (limit !== undefined && loss >= limit) return reject(reason, `${name} loss ${num(loss)} has reached the limit ${limit}`);
  }
  return undefined;
}

function checkBalance({ input, limits, addedNotional }: Context): PreTradeDecision | undefined {
  const requiredMargin = Math.max(0, addedNotional) / limits.maxLeverage;
  if (input.equity > 0 && requiredMargin <= input.availableBalance) return undefined;
  return reject(
    'insufficient-balance',
    `needs margin ${num(requiredMargin)} (added notional ${num(addedNotional)} / max leverage ${limits.maxLeverage}), available ${num(input.availableBalance)}, equity ${num(input.equity)}`,
  );
}

function checkLeverage({ input, limits, grossAfter }: Context): PreTradeDecision | undefined {
  const leverageAfter = grossAfter / input.equity;
  if (leverageAfter <= limits.maxLeverage) return undefined;
  return reject('leverage-limit', `leverage after the order ${num(leverageAfter)} (gross ${num(grossAfter)} / equity ${num(input.equity)}) exceeds ${limits.maxLeverage}`);
}

function checkPositionLimits({ input, limits, newSize, newPositionNotional, grossAfter }: Context): PreTradeDecision | undefined {
  const token = input.order.token;
  const override = limits.positionLimitOverrides?.[token];
  const maxSize = override?.maxSize ?? limits.positionLimits.maxSize;
  const maxNotional = override?.maxNotional ?? limits.positionLimits.maxNotional;
  if (maxSize !== undefined && Math.abs(newSize) > maxSize) {
    return reject('position-size-limit', `${token} position after the order ${num(Math.abs(newSize))} tokens exceeds ${maxSize}`);
  }
  if (maxNotional !== undefined && newPositionNotional > maxNotional) {
    return reject('position-notional-limit', `${token} position notional after the order ${num(newPositionNotional)} exceeds ${maxNotional}`);
  }
  if (limits.maxTotalNotional !== undefined && grossAfter > limits.maxTotalNotional) {
    return reject('total-notional-limit', `gross notional after the order ${num(grossAfter)} exceeds ${limits.maxTotalNotional}`);
  }
  return undefined;
}

function checkVolatility({ input, limits }: Context): PreTradeDecision | undefined {
  const v = input.volatility;
  if (limits.maxVolatility === undefined || v === undefined || v <= limits.maxVolatility) return undefined;
  return reject('volatility-gate', `${input.order.token} volatility ${num(v)} is above ${limits.maxVolatility}: no new entries`);
}

function checkConcentration({ input, limits, newPositionNotional, grossAfter }: Context): PreTradeDecision | undefined {
  const c = limits.concentration;
  if (!c || grossAfter <= c.minGrossNotional) return undefined;
  const share = newPositionNotional / grossAfter;
  if (share <= c.maxShare) return undefined;
  return reject(
    'concentration-limit',
    `${input.order.token} would be ${num(share * 100)} % of gross notional ${num(grossAfter)}, above ${num(c.maxShare * 100)} %`,
  );
}

function checkCorrelation({ input, limits, direction, newPositionNotional }: Context): PreTradeDecision | undefined {
  const c = limits.correlation;
  if (!c) return undefined;
  const token = input.order.token;
  const correlated: string[] = [];
  let exposure = newPositionNotional;
  for (const [t, p] of Object.entries(input.positions)) {
    const rho = input.correlations[t];
    if (t === token || rho === undefined || Math.sign(p.size) !== direction || !(rho > c.threshold)) continue;
    correlated.push(t);
    exposure += Math.abs(p.size) * p.price;
  }
  // With nothing correlated held, this is the token's own size: the position limits judge that.
  if (correlated.length === 0 || exposure <= c.maxCorrelatedNotional) return undefined;
  return reject(
    'correlated-exposure-limit',
    `${token} plus same-direction positions correlated above ${c.threshold} (${correlated.join(', ')}) would total ${num(exposure)}, above ${c.maxCorrelatedNotional}`,
  );
}

function checkRateLimit({ input }: Context): PreTradeDecision | undefined {
  if (input.orderRateLimit.allowed) return undefined;
  return reject('rate-limited', `exchange order rate limit reached${suffix(input.orderRateLimit.detail)}`);
}

function checkManualReview({ limits, orderNotional }: Context): PreTradeDecision | undefined {
  const threshold = limits.manualReviewNotional;
  if (threshold === undefined || orderNotional < threshold) return undefined;
  return { verdict: 'MANUAL_REVIEW', reason: 'notional-review', detail: `order notional ${num(orderNotional)} is at or above the review threshold ${threshold}` };
}

function assertLimits(l: PreTradeLimits): void {
  const positive = (what: string, x: number | undefined): void => {
    if (x !== undefined && !positiveFinite(x)) throw new RangeError(`pre-trade limit ${what} must be a positive number, got ${x}`);
  };
  if (!positiveFinite(l.maxLeverage)) throw new RangeError(`pre-trade limit maxLeverage must be a positive number, got ${l.maxLeverage}`);
  positive('lossLimits.daily', l.lossLimits.daily);
  positive('lossLimits.weekly', l.lossLimits.weekly);
  positive('lossLimits.monthly', l.lossLimits.monthly);
  positive('positionLimits.maxSize', l.positionLimits.maxSize);
  positive('positionLimits.maxNotional', l.positionLimits.maxNotional);
  for (const [token, o] of Object.entries(l.positionLimitOverrides ?? {})) {
    positive(`positionLimitOverrides.${token}.maxSize`, o.maxSize);
    positive(`positionLimitOverrides.${token}.maxNotional`, o.maxNotional);
  }
  positive('maxTotalNotional', l.maxTotalNotional);
  positive('maxVolatility', l.maxVolatility);
  if (l.concentration) {
    const { maxShare, minGrossNotional } = l.concentration;
    if (!(maxShare > 0 && maxShare <= 1)) throw new RangeError(`pre-trade limit concentration.maxShare must be in (0, 1], got ${maxShare}`);
    if (!(Number.isFinite(minGrossNotional) && minGrossNotional >= 0)) {
      throw new RangeError(`pre-trade limit concentration.minGrossNotional must be a number >= 0, got ${minGrossNotional}`);
    }
  }
  if (l.correlation) {
    const { threshold, maxCorrelatedNotional } = l.correlation;
    if (!(threshold >= -1 && threshold <= 1)) throw new RangeError(`pre-trade limit correlation.threshold must be in [-1, 1], got ${threshold}`);
    positive('correlation.maxCorrelatedNotional', maxCorrelatedNotional);
  }
  positive('manualReviewNotional', l.manualReviewNotional);
}

const positiveFinite = (x: number): boolean => Number.isFinite(x) && x > 0;

/** Numbers in details rounded to 6 significant digits, so float noise does not hide the point. */
function num(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(6))) : String(x);
}

function suffix(detail: string | undefined): string {
  return detail ? `: ${detail}` : '';
}

function reject(reason: PreTradeReason, detail: string): PreTradeDecision {
  return { verdict: 'REJECT', reason, detail };
}

function allow(reason: PreTradeReason, detail: string): PreTradeDecision {
  return { verdict: 'ALLOW', reason, detail };
}
