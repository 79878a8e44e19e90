// Per-exchange order rate limit: at most maxOrders orders in any sliding window of windowMs. The
// state is the send times still inside the window, a plain object snapshotted with the actor.
// Asking (rateLimitAllows) never counts an order; only recordOrder does, once the order is sent.

export interface OrderRateLimitConfig {
  readonly maxOrders: number;
  readonly windowMs: number;
}

export interface OrderRateLimitState {
  /** Send times, ascending. */
  readonly timestamps: readonly number[];
}

export type RateLimitReason = 'within-limit' | 'rate-limited';

export interface RateLimitDecision {
  readonly allowed: boolean;
  readonly reason: RateLimitReason;
  readonly detail: string;
  /** 0 when allowed; otherwise how long until the window has room for one more order. */
  readonly retryAfterMs: number;
  /** The input state without the send times that left the window: store it. */
  readonly state: OrderRateLimitState;
}

export function initialOrderRateLimit(): OrderRateLimitState {
  return { timestamps: [] };
}

export function rateLimitAllows(state: OrderRateLimitState, now: number, config: OrderRateLimitConfig): RateLimitDecision {
  assertConfig(config);
  assertTime(now);
  const pruned = prune(state, now, config.windowMs);
  const inWindow = pruned.timestamps;
  if (inWindow.length < config.maxOrders) {
    return {
      allowed: true,
      reason: 'within-limit',
      detail: `${inWindow.length} of ${config.maxOrders} orders used in the last ${config.windowMs} ms`,
      retryAfterMs: 0,
      state: pruned,
    };
  }
  // Room for one more order opens when the send time that keeps the count at maxOrders leaves the window.
  const blocking = inWindow[inWindow.length - config.maxOrders]!;
  const retryAfterMs = Math.max(0, blocking + config.windowMs - now);
  return {
    allowed: false,
    reason: 'rate-limited',
    detail: `${inWindow.length} orders in the last ${config.windowMs} ms reach the limit of ${config.maxOrders}; room again in ${retryAfterMs} ms`,
    retryAfterMs,
    state: pruned,
  };
}

/** Counts an order sent at `now`. With a config it also forgets send times that left the window. */
export function recordOrder(state: OrderRateLimitState, now: number, config?: OrderRateLimitConfig): OrderRateLimitState {
  assertTime(now);
  if (config) assertConfig(config);
  const base = config ? prune(state, now, config.windowMs).timestamps : state.timestamps;
  // Keep ascending order even if event times arrive slightly out of order.
  let i = base.length;
  while (i > 0 && base[i - 1]! > now) i -= 1;
  return { timestamps: [...base.slice(0, i), now, ...base.slice(i)] };
}

function prune(state: OrderRateLimitState, now: number, windowMs: number): OrderRateLimitState {
  const kept = state.timestamps.filter((t) => t > now - windowMs);
  return kept.length === state.timestamps.length ? state : { timestamps: kept };
}

function assertConfig(config: OrderRateLimitConfig): void {
  if (!(Number.isInteger(config.maxOrders) && config.maxOrders > 0)) {
    throw new RangeError(`order rate limit maxOrders must be a positive integer, got ${config.maxOrders}`);
  }
  if (!(Number.isFinite(config.windowMs) && config.windowMs > 0)) {
    throw new RangeError(`order rate limit windowMs must be a positive number, got ${config.windowMs}`);
  }
}

function assertTime(now: number): void {
  if (!Number.isFinite(now)) throw new RangeError(`time must be a finite ms timestamp, got ${now}`);
}
