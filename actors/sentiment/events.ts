// A social post or mention about a token, and the sentiment actor's aggregate of them.
import { z } from 'zod';
import { defineEvent, type EnvelopeOf } from '../../runtime/events/event-types.js';

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

/** The sentiment actor's aggregate over the trailing hour, published after every update. */
export const SentimentChanged = defineEvent(
  'sentiment.changed',
  'state.changes',
  z.object({
    bullishShare: z.number().min(0).max(1),
    bearishShare: z.number().min(0).max(1),
    /** Net share of the recent window minus that of the trailing hour, in [-2, 2]. */
    velocity: z.number().finite(),
    /** Posts in the trailing hour. */
    posts: z.number().int().nonnegative(),
  }),
);
export type SentimentChangedEvent = EnvelopeOf<typeof SentimentChanged>;
