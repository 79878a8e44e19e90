// The trading actor's settings (`trading`): the indicators' weights and periods, the score that
// makes a signal, and the cooldown between signals. config/schema.ts composes it into the whole.
import { z } from 'zod';
import { nonNeg, nonNegInt, posInt, posNum, unit } from '../../runtime/kit/setting-numbers.js';

const weights = z.strictObject({
  sma: nonNeg().default(0.2),
  ema: nonNeg().default(0.2),
  rsi: nonNeg().default(0.2),
  macd: nonNeg().default(0.2),
  bollinger: nonNeg().default(0.2),
});

export const tradingSchema = z.strictObject({
  weights: weights.prefault({}),
  threshold: unit().default(0.35),
  smaPeriod: posInt().default(20),
  emaPeriod: posInt().default(12),
  rsiPeriod: posInt().default(14),
  bbPeriod: posInt().default(20),
  bbStdDev: posNum().default(2),
  macdFast: posInt().default(12),
  macdSlow: posInt().default(26),
  macdSignal: posInt().default(9),
  /** Recent closes kept, for the volatility and returns a signal carries; the indicators run over every close. */
  historySize: posInt().default(50),
  cooldownMs: nonNegInt().default(60_000),
});

export type TradingSettings = z.output<typeof tradingSchema>;
