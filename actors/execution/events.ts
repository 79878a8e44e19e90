// Order commands (force-closes, cancels, kill switch, review decisions), venue updates (fills as the
// venue streams them), and executed trades.
import { z } from 'zod';
import { defineEvent, type EnvelopeOf } from '../../runtime/events/event-types.js';
import type { Fill } from '../../runtime/ports/exchange.js';

const side = z.enum(['buy', 'sell']);
const positive = z.number().positive().finite();
const operator = z.string().min(1).max(100);

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
    z.object({
      /** Operator kill switch: activate cancels every open order and closes every position. */
      action: z.literal('kill-switch'),
      mode: z.enum(['activate', 'reset']),
      by: operator,
      reason: z.string().min(1),
    }),
    z.object({
      /** Operator decision on an order held for MANUAL_REVIEW. */
      action: z.literal('review'),
      clientOrderId: z.string().min(1),
      decision: z.enum(['approve', 'reject']),
      by: operator,
      reason: z.string().min(1).optional(),
    }),
  ]),
);
export type OrderCommandEvent = EnvelopeOf<typeof OrderCommand>;
export type OrderCommandData = OrderCommandEvent['data'];
/** The order commands an operator sends through the ops server: the kill switch and review decisions. */
export type OperatorCommand = Readonly<Extract<OrderCommandData, { action: 'kill-switch' | 'review' }>>;

/** A fill as the venue streamed it, recorded so a replay books exactly what happened. */
export const VenueFill = defineEvent(
  'order.fill',
  'order.updates',
  z.object({
    venue: z.string().min(1),
    fillId: z.string().min(1),
    clientOrderId: z.string().min(1),
    side,
    size: positive,
    price: positive,
    fee: z.number().finite(),
  }),
);
export type VenueFillEvent = EnvelopeOf<typeof VenueFill>;

/** What names a venue's fill wherever it is recorded from (the venue's stream, an order answer). */
export function fillFactId(venue: string, fillId: string): string {
  return `fill/${venue}/${fillId}`;
}

/** The order.fill record of a venue's fill. */
export function venueFillData(venue: string, fill: Fill): VenueFillEvent['data'] {
  return { venue, fillId: fill.fillId, clientOrderId: fill.clientOrderId, side: fill.side, size: fill.size, price: fill.price, fee: fill.fee };
}

export const TradeExecuted = defineEvent(
  'trade.executed',
  'trade.executed',
  z.object({
    clientOrderId: z.string().min(1),
    /** The venue's id of this fill: a position applies each fill id once. */
    fillId: z.string().min(1),
    side,
    size: positive,
    price: positive,
    /** Quote currency; negative for a maker rebate. */
    fee: z.number().finite(),
    /** Signed slippage against the reference price, in basis points (positive = worse). */
    slippageBps: z.number().finite(),
    referencePrice: positive,
    reduceOnly: z.boolean(),
    venue: z.string().min(1),
  }),
);
export type TradeExecutedEvent = EnvelopeOf<typeof TradeExecuted>;

/**
 * What the execution safety checks would let a new order do for a token right now: which sides
 * (buy, sell: an exit counts) and how large. Published when it changes, so the trading actor offers
 * the model only what would pass; the checks still decide every real order.
 */
export const EntryGate = defineEvent(
  'execution.gate',
  'state.changes',
  z.object({
    allowed: z.array(side).max(2),
    /** Why a side is refused, by side. */
    refused: z.record(z.string(), z.string()),
    /** Quote currency: the usual entry notional, 0 when nothing is allowed. */
    maxNotional: z.number().nonnegative().finite(),
  }),
);
export type EntryGateEvent = EnvelopeOf<typeof EntryGate>;
