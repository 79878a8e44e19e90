// The risk actor's settings (`risk`): the margin rate, and the warning and critical levels of
// leverage, liquidation distance and correlation. config/schema.ts composes it into the whole.
import { z } from 'zod';
import { posInt, posNum, unit } from '../../runtime/kit/setting-numbers.js';

export const riskSchema = z.strictObject({
  maintenanceMarginRate: unit().default(0.05),
  leverageWarning: posNum().default(3),
  leverageCritical: posNum().default(5),
  liquidationDistanceWarning: unit().default(0.1),
  liquidationDistanceCritical: unit().default(0.03),
  correlationWarning: unit().default(0.9),
  correlationWindow: posInt().default(50),
});

export type RiskSettings = z.output<typeof riskSchema>;
