// Execution settings, the pre-trade limits on positions (actors/execution/pre-trade.ts): size and
// notional per token, the book's total, volatility, concentration, correlation, and the notional
// above which an order waits for an operator.
import { z } from 'zod';
import { nonNeg, posNum } from '../../runtime/kit/setting-numbers.js';

const positionLimit = z.strictObject({
  /** Max |position| in tokens. */
  maxSize: posNum().optional(),
  /** Max |position| * price. */
  maxNotional: posNum().optional(),
});

export const preTradeLimitsShape = {
  positionLimits: positionLimit.prefault({ maxNotional: 25_000 }),
  /** Per-token limits by token; a field left out falls back to positionLimits. (null turns an optional limit below off.) */
  positionLimitOverrides: z.record(z.string().min(1), positionLimit).optional(),
  maxTotalNotional: posNum().nullable().default(150_000),
  /** New entries are refused while the token's realized volatility (stdev of per-tick log returns) is above this. */
  maxVolatility: posNum().optional(),
  concentration: z
    .strictObject({ maxShare: z.number().positive().max(1), minGrossNotional: nonNeg() })
    .nullable()
    .default({ maxShare: 0.5, minGrossNotional: 50_000 }),
  correlation: z
    .strictObject({ threshold: z.number().min(-1).max(1), maxCorrelatedNotional: posNum() })
    .nullable()
    .default({ threshold: 0.8, maxCorrelatedNotional: 40_000 }),
  manualReviewNotional: posNum().nullable().default(20_000),
};
