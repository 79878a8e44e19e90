// Execution settings, entry sizing (actors/execution/sizing.ts): a fixed fraction of equity, or
// Kelly from an assumed win rate and payoff, capped.
import { z } from 'zod';
import { posNum, unit } from '../../runtime/kit/setting-numbers.js';

export const sizingSchema = z.strictObject({
  mode: z.enum(['fixed-fraction', 'kelly']).default('fixed-fraction'),
  fraction: unit().default(0.02),
  kellyWinRate: unit().default(0.55),
  kellyPayoff: posNum().default(1.5),
  kellyCap: unit().default(0.25),
});
