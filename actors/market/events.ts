// Market data events, produced by feeds (synthetic, CSV/JSONL) or venue adapters.
import { z } from 'zod';
import { defineEvent, type EnvelopeOf } from '../../runtime/events/event-types.js';
import { SentimentUpdate } from '../sentiment/events.js';

const positive = z.number().positive().finite();

export const PriceTick = defineEvent(
  'price.tick',
  'price.ticks',
  z.object({
    price: positive,
    volume: z.number().nonnegative().finite().default(0),
    open: positive.optional(),
    high: positive.optional(),
    low: positive.optional(),
  }),
);
export type PriceTickEvent = EnvelopeOf<typeof PriceTick>;

export const Liquidation = defineEvent(
  'liquidation',
  'liquidation.events',
  z.object({
    side: z.enum(['long', 'short']),
    size: positive,
    price: positive,
  }),
);
export type LiquidationEvent = EnvelopeOf<typeof Liquidation>;

/** What a feed may carry: market data. Commands and trades come only from inside (operator API, execution). */
export const marketDataTypes = [PriceTick.type, Liquidation.type, SentimentUpdate.type] as const;
export type MarketDataType = (typeof marketDataTypes)[number];
