// A social post or mention about a token, and the sentiment actor's aggregate of them.
import { z } from 'zod';
import { defineEvent, type EnvelopeOf } from '../../runtime/event-types.js';

export const SentimentUpdate = defineEvent(
  'sentiment.update',
  'sentiment.updates',
  z.object({
    author: z.string().min(1),
    followers: z.number().int().nonnegative(),
    stance: z.enum(['bullish', 'bearish', 'neutral']),
  }),
);
export type SentimentUpdateEvent = EnvelopeOf<typeof SentimentUpdate>;
