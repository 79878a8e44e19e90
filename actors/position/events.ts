// A position actor publishes its state after every change, for risk, portfolio and dashboards.
import { z } from 'zod';
import { defineEvent, type EnvelopeOf } from '../../runtime/events/event-types.js';

export const PositionChanged = defineEvent(
  'position.changed',
  'state.changes',
  z.object({
    size: z.number().finite(),
    avgEntry: z.number().nonnegative().finite(),
    realizedPnl: z.number().finite(),
    unrealizedPnl: z.number().finite(),
    markPrice: z.number().nonnegative().finite(),
    fees: z.number().nonnegative().finite(),
  }),
);
export type PositionChangedEvent = EnvelopeOf<typeof PositionChanged>;
