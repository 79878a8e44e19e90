// The execution actor's settings (`execution`): the account, then one file per concern (loss
// limits, pre-trade limits, safety systems, sizing). An optional limit left out is off.
// config/schema.ts composes it into the whole.
import { z } from 'zod';
import { nonNeg, posInt, posNum } from '../../runtime/kit/setting-numbers.js';
import { lossLimitsShape } from './loss-limits-config.js';
import { preTradeLimitsShape } from './pre-trade-config.js';
import { safetySystemsShape } from './safety-config.js';
import { sizingSchema } from './sizing-config.js';

export const executionSchema = z.strictObject({
  initialBalance: nonNeg().default(100_000),
  maxLeverage: posNum().default(3),
  ...lossLimitsShape,
  ...preTradeLimitsShape,
  ...safetySystemsShape,
  /** An order the venue still does not know this long after it was sent is closed as not-received (never resent). */
  unresolvedGraceMs: posInt().default(30_000),
  sizing: sizingSchema.prefault({}),
});

export type ExecutionSettings = z.output<typeof executionSchema>;
