// Trading signals: the trading actor's decision for a token, with the evidence behind it.
import { z } from 'zod';
import { defineEvent, type EnvelopeOf } from '../../runtime/event-types.js';

export const Signal = defineEvent(
  'signal',
  'signal.generated',
  z.object({
    side: z.enum(['buy', 'sell']),
    /** Weighted technical score in [-1, 1]; positive is bullish. */
    score: z.number().min(-1).max(1),
    confidence: z.number().min(0).max(1),
    /** The tick price the decision was made at; fills measure slippage against it. */
    price: z.number().positive().finite(),
    indicators: z.record(z.string(), z.number().finite()),
    reason: z.string(),
  }),
);
export type SignalEvent = EnvelopeOf<typeof Signal>;
