// Order commands (execution requests, force-closes, cancels) and executed trades.
import { z } from 'zod';
import { defineEvent, type EnvelopeOf } from '../../runtime/event-types.js';

const side = z.enum(['buy', 'sell']);
const positive = z.number().positive().finite();

export const OrderCommand = defineEvent(
  'order.command',
  'order.commands',
  z.discriminatedUnion('action', [
    z.object({
      action: z.literal('force-close'),
      reason: z.string().min(1),
      /** Latest known price, used as the reference price of the closing order. */
      price: positive,
    }),
    z.object({
      action: z.literal('cancel'),
      clientOrderId: z.string().min(1),
      reason: z.string().min(1),
    }),
  ]),
);
export type OrderCommandEvent = EnvelopeOf<typeof OrderCommand>;

export const TradeExecuted = defineEvent(
  'trade.executed',
  'trade.executed',
  z.object({
    clientOrderId: z.string().min(1),
    side,
    size: positive,
    price: positive,
    fee: z.number().nonnegative().finite(),
    /** Signed slippage against the reference price, in basis points (positive = worse). */
    slippageBps: z.number().finite(),
    referencePrice: positive,
    reduceOnly: z.boolean(),
    venue: z.string().min(1),
  }),
);
export type TradeExecutedEvent = EnvelopeOf<typeof TradeExecuted>;
