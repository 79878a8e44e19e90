// Puts the execution state in front of the pre-trade checks: the book as positions, the period
// losses, the kill switch, the locks, the exchange's breaker and rate limit, the token's volatility
// and its correlation with every held token.
import { breakerPeek } from '../../../runtime/kit/circuit-breaker.js';
import { pearsonCorrelation } from '../../risk/risk-math.js';
import type { ExecutionSettings } from '../config.js';
import { periodLosses, type PeriodLosses } from './loss-windows.js';
import { rateLimitAllows } from './order-rate-limit.js';
import { preTradeCheck, type HeldPosition, type PreTradeDecision, type PreTradeLimits, type PreTradeOrder } from './pre-trade.js';
import { activeLocks } from './protections.js';
import { marks, type ExecutionState } from '../state.js';

const MIN_CORRELATION_POINTS = 5;

export function preTradeLimitsOf(settings: ExecutionSettings): PreTradeLimits {
  return {
    maxLeverage: settings.maxLeverage,
    lossLimits: settings.lossLimits,
    positionLimits: settings.positionLimits,
    ...(settings.positionLimitOverrides ? { positionLimitOverrides: settings.positionLimitOverrides } : {}),
    ...(settings.maxTotalNotional !== null ? { maxTotalNotional: settings.maxTotalNotional } : {}),
    ...(settings.maxVolatility !== undefined ? { maxVolatility: settings.maxVolatility } : {}),
    ...(settings.concentration !== null ? { concentration: settings.concentration } : {}),
    ...(settings.correlation !== null ? { correlation: settings.correlation } : {}),
    ...(settings.manualReviewNotional !== null ? { manualReviewNotional: settings.manualReviewNotional } : {}),
  };
}

export function lossesOf(s: ExecutionState): PeriodLosses {
  const equity = marks(s).equity;
  return s.safety.lossWindows ? periodLosses(s.safety.lossWindows, equity) : { daily: 0, weekly: 0, monthly: 0 };
}

export function checkOrder(s: ExecutionState, order: PreTradeOrder, now: number, settings: ExecutionSettings, limits: PreTradeLimits): PreTradeDecision {
  const m = marks(s);
  const positions: Record<string, HeldPosition> = {};
  for (const [token, e] of Object.entries(s.book)) if (e.size !== 0) positions[token] = { size: e.size, price: e.lastPrice };
  const own = s.market[order.token]?.returns;
  const correlations: Record<string, number> = {};
  if (own) {
    for (const token of Object.keys(positions)) {
      if (token === order.token) continue;
      const other = s.market[token]?.returns;
      // Too few common returns is no evidence either way: the token counts as uncorrelated.
      if (other && Math.min(own.length, other.length) >= MIN_CORRELATION_POINTS) correlations[token] = pearsonCorrelation(own, other);
    }
  }
  const breaker = breakerPeek(s.safety.exchangeBreaker, now, settings.exchangeBreaker);
  const rate = rateLimitAllows(s.safety.rateLimit, now, settings.orderRateLimit);
  const volatility = s.market[order.token]?.volatility;
  return preTradeCheck(
    {
      order,
      positions,
      equity: m.equity,
      availableBalance: Math.max(0, m.equity - m.grossNotional / settings.maxLeverage),
      losses: lossesOf(s),
      killSwitch: s.safety.killSwitch,
      activeLocks: activeLocks(s.safety.protections, order.token, now),
      exchangeBreaker: { allowed: breaker.allowed, detail: breaker.detail },
      orderRateLimit: { allowed: rate.allowed, detail: rate.detail },
      ...(volatility !== undefined ? { volatility } : {}),
      correlations,
    },
    limits,
  );
}
