// Pre-trade checks: given the account, the token's position and an order, answer ALLOW, REJECT or
// MANUAL_REVIEW with a machine-readable reason. Checks run in this order, first failure wins:
// invalid order -> reducing orders allowed -> daily loss -> balance -> leverage -> position limit
// -> manual-review notional -> ok.

export type Verdict = 'ALLOW' | 'REJECT' | 'MANUAL_REVIEW';
export type PreTradeReason =
  | 'ok'
  | 'reduce-only'
  | 'invalid-order'
  | 'daily-loss-limit'
  | 'insufficient-balance'
  | 'leverage-limit'
  | 'position-limit'
  | 'notional-review';

export interface PreTradeInput {
  readonly side: 'buy' | 'sell';
  readonly size: number;
  readonly price: number;
  /** The order may only shrink the position; one that would grow or flip it is invalid. */
  readonly reduceOnly: boolean;
  /** Signed current size of the token's position. */
  readonly positionSize: number;
  /** Account equity (cash + unrealized PnL). */
  readonly equity: number;
  /** Free collateral available for new margin. */
  readonly availableBalance: number;
  /** Current account gross notional, sum of |size| * mark. */
  readonly grossNotional: number;
  /** Today's realized + unrealized loss as a positive number (0 on a winning day). */
  readonly dayLoss: number;
}

export interface PreTradeLimits {
  readonly maxLeverage: number;
  readonly dailyLossLimit: number;
  readonly maxPositionNotional: number;
  readonly manualReviewNotional: number;
}

export interface PreTradeDecision {
  readonly verdict: Verdict;
  readonly reason: PreTradeReason;
  readonly detail: string;
}

const positiveFinite = (x: number): boolean => Number.isFinite(x) && x > 0;

/** True when the order only shrinks the position (opposite side, not larger than it). */
export function isReducing(positionSize: number, side: 'buy' | 'sell', size: number): boolean {
  const delta = side === 'buy' ? size : -size;
  return positionSize !== 0 && Math.sign(delta) !== Math.sign(positionSize) && size <= Math.abs(positionSize) * (1 + 1e-12);
}

export function preTradeCheck(input: PreTradeInput, limits: PreTradeLimits): PreTradeDecision {
  const { side, size, price, positionSize } = input;
  if (!positiveFinite(size)) return reject('invalid-order', `order size must be a positive number, got ${size}`);
  if (!positiveFinite(price)) return reject('invalid-order', `order price must be a positive number, got ${price}`);

  // Closing exposure must stay possible when limits are breached: that is how risk comes down.
  if (isReducing(positionSize, side, size)) return allow('reduce-only', 'order reduces the existing position');
  if (input.reduceOnly) return reject('invalid-order', `reduce-only ${side} of ${size} would not reduce position ${positionSize}`);

  if (input.dayLoss >= limits.dailyLossLimit) {
    return reject('daily-loss-limit', `day loss ${input.dayLoss} has reached the limit ${limits.dailyLossLimit}`);
  }

  const newSize = positionSize + (side === 'buy' ? size : -size);
  const newPositionNotional = Math.abs(newSize) * price;
  // Added gross exposure; for a flip only the part beyond the old position is new.
  const addedNotional = newPositionNotional - Math.abs(positionSize) * price;
  const requiredMargin = addedNotional / limits.maxLeverage;
  if (!(input.equity > 0) || requiredMargin > input.availableBalance) {
    return reject(
      'insufficient-balance',
      `needs margin ${requiredMargin} (added notional ${addedNotional} / max leverage ${limits.maxLeverage}), available ${input.availableBalance}, equity ${input.equity}`,
    );
  }

  const leverageAfter = (input.grossNotional + addedNotional) / input.equity;
  if (leverageAfter > limits.maxLeverage) {
    return reject('leverage-limit', `leverage after the order ${leverageAfter} exceeds ${limits.maxLeverage}`);
  }

  if (newPositionNotional > limits.maxPositionNotional) {
    return reject('position-limit', `position notional after the order ${newPositionNotional} exceeds ${limits.maxPositionNotional}`);
  }

  const orderNotional = size * price;
  if (orderNotional >= limits.manualReviewNotional) {
    return {
      verdict: 'MANUAL_REVIEW',
      reason: 'notional-review',
      detail: `order notional ${orderNotional} is at or above the review threshold ${limits.manualReviewNotional}`,
    };
  }
  return allow('ok', 'all pre-trade checks passed');
}

function reject(reason: PreTradeReason, detail: string): PreTradeDecision {
  return { verdict: 'REJECT', reason, detail };
}

function allow(reason: PreTradeReason, detail: string): PreTradeDecision {
  return { verdict: 'ALLOW', reason, detail };
}
