// Risk alerts emitted by the risk actor.
import { z } from 'zod';
import { defineEvent, type EnvelopeOf } from '../../runtime/events/event-types.js';

export const RiskAlert = defineEvent(
  'risk.alert',
  'risk.alerts',
  z.object({
    level: z.enum(['info', 'warning', 'critical']),
    metric: z.enum(['leverage', 'liquidation-distance', 'correlation', 'drawdown']),
    value: z.number().finite(),
    threshold: z.number().finite(),
    message: z.string(),
  }),
);
export type RiskAlertEvent = EnvelopeOf<typeof RiskAlert>;
