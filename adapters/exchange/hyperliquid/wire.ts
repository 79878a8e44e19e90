// Hyperliquid's wire format: numbers as the venue accepts them (8-decimal strings, 5 significant
// figures for prices), order and cancel actions with their exact key order, the mapping between
// our client order ids and the venue's cloids, and zod schemas for the replies we read.
import { z } from 'zod';
import type { Fill, OrderSide, TimeInForce } from '../../../runtime/ports/exchange.js';

/** A number the venue cannot take as given (not finite, not positive, or not representable). */
export class WireFormatError extends Error {
  override readonly name = 'WireFormatError';
}

/** A client order id with no cloid twin, or a cloid that is not 16 bytes of hex. */
export class ClientOrderIdError extends Error {
  override readonly name = 'ClientOrderIdError';
}

/** 8 decimals, no trailing zeros, "-0" as "0"; throws when 8 decimals change the value. */
export function floatToWire(x: number): string {
  // toFixed switches to exponent notation from 1e21 on.
  if (!Number.isFinite(x) || Math.abs(x) >= 1e21) throw new WireFormatError(`cannot put ${x} on the wire: not a finite number below 1e21`);
  const rounded = x.toFixed(8);
  if (Math.abs(Number(rounded) - x) >= 1e-12) throw new WireFormatError(`${x} does not fit 8 decimal places (would be sent as ${rounded})`);
  const trimmed = rounded.replace(/0+$/, '').replace(/\.$/, '');
  return trimmed === '-0' ? '0' : trimmed;
}

function checkSzDecimals(szDecimals: number): void {
  if (!(Number.isInteger(szDecimals) && szDecimals >= 0 && szDecimals <= 8)) {
    throw new WireFormatError(`szDecimals must be an integer in [0, 8], got ${szDecimals}`);
  }
}

/**
 * A price the venue accepts: at most 5 significant figures and at most (6 perps, 8 spot) -
 * szDecimals decimals, rounded to nearest. Integer prices are always valid, whatever their length.
 */
export function formatPrice(px: number, szDecimals: number, isSpot = false): string {
  if (!(Number.isFinite(px) && px > 0)) throw new WireFormatError(`invalid price ${px}: must be a positive finite number`);
  checkSzDecimals(szDecimals);
  if (Number.isInteger(px)) return floatToWire(px);
  const maxDecimals = Math.max(0, (isSpot ? 8 : 6) - szDecimals);
  // From 1e5 up, 5 significant figures would round away integer digits; an integer is valid there.
  const significant = px >= 1e5 ? Math.round(px) : Number(px.toPrecision(5));
  const rounded = Number(significant.toFixed(maxDecimals));
  if (!(rounded > 0)) throw new WireFormatError(`price ${px} rounds to 0 with ${maxDecimals} decimals`);
  return floatToWire(rounded);
}

/** A size rounded to the asset's szDecimals; throws when it rounds to zero. */
export function formatSize(sz: number, szDecimals: number): string {
  if (!(Number.isFinite(sz) && sz > 0)) throw new WireFormatError(`invalid size ${sz}: must be a positive finite number`);
  checkSzDecimals(szDecimals);
  const rounded = Number(sz.toFixed(szDecimals));
  if (!(rounded > 0)) throw new WireFormatError(`size ${sz} rounds to 0 with ${szDecimals} decimals`);
  return floatToWire(rounded);
}

// ---- client order ids <-> cloids ----

const CLIENT_ORDER_ID = /^rg-([0-9a-f]{32})$/;
const CLOID = /^0x([0-9a-fA-F]{32})$/;

/** `rg-<32 hex>` -> `0x<32 hex>`. */
export function cloidOf(clientOrderId: string): string {
  const match = CLIENT_ORDER_ID.exec(clientOrderId);
  if (!match) throw new ClientOrderIdError(`client order id ${JSON.stringify(clientOrderId)} has no Hyperliquid cloid: expected rg- and 32 lowercase hex chars`);
  return `0x${match[1]}`;
}

/** `0x<32 hex>` -> `rg-<32 hex>` (lowercase). */
export function clientOrderIdOf(cloid: string): string {
  const match = CLOID.exec(cloid);
  if (!match) throw new ClientOrderIdError(`cloid ${JSON.stringify(cloid)} is not 0x and 32 hex chars`);
  return `rg-${match[1]!.toLowerCase()}`;
}

/** Orders the venue has without one of our cloids still need an id: `hl-<oid>`. */
export function clientOrderIdOfVenueOrder(oid: number, cloid: string | null | undefined): string {
  return cloid && CLOID.test(cloid) ? clientOrderIdOf(cloid) : `hl-${oid}`;
}

// ---- actions ----

export type Tif = 'Alo' | 'Ioc' | 'Gtc';

export const TIF: Readonly<Record<TimeInForce, Tif>> = { ioc: 'Ioc', gtc: 'Gtc', alo: 'Alo' };

export interface OrderWire {
  readonly a: number;
  readonly b: boolean;
  readonly p: string;
  readonly s: string;
  readonly r: boolean;
  readonly t: { readonly limit: { readonly tif: Tif } };
  readonly c?: string;
}

export interface OrderWireInput {
  readonly asset: number;
  readonly isBuy: boolean;
  /** A wire string (from formatPrice) or a number put through floatToWire. */
  readonly price: string | number;
  readonly size: string | number;
  readonly reduceOnly: boolean;
  readonly tif: Tif;
  readonly cloid?: string;
}

/** Keys in the order the venue hashes them; `c` only when there is a cloid. */
export function orderWire(input: OrderWireInput): OrderWire {
  if (!(Number.isInteger(input.asset) && input.asset >= 0)) throw new WireFormatError(`asset index must be a non-negative integer, got ${input.asset}`);
  const wire = {
    a: input.asset,
    b: input.isBuy,
    p: typeof input.price === 'number' ? floatToWire(input.price) : input.price,
    s: typeof input.size === 'number' ? floatToWire(input.size) : input.size,
    r: input.reduceOnly,
    t: { limit: { tif: input.tif } },
  };
  if (input.cloid === undefined) return wire;
  if (!CLOID.test(input.cloid)) throw new ClientOrderIdError(`cloid ${JSON.stringify(input.cloid)} is not 0x and 32 hex chars`);
  return { ...wire, c: input.cloid };
}

export function orderAction(orders: readonly OrderWire[]): { type: 'order'; orders: readonly OrderWire[]; grouping: 'na' } {
  return { type: 'order', orders, grouping: 'na' };
}

export function cancelByCloidAction(cancels: readonly { asset: number; cloid: string }[]) {
  return { type: 'cancelByCloid' as const, cancels: cancels.map(({ asset, cloid }) => ({ asset, cloid })) };
}

// ---- replies ----

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'a decimal string');
const side = z.enum(['B', 'A']);

export function sideOf(wireSide: 'B' | 'A'): OrderSide {
  return wireSide === 'B' ? 'buy' : 'sell';
}

export const MetaReply = z.object({
  universe: z.array(z.object({ name: z.string(), szDecimals: z.number().int().min(0), isDelisted: z.boolean().optional() })),
});

export const PlaceStatus = z.union([
  z.object({ resting: z.object({ oid: z.number().int() }) }),
  z.object({ filled: z.object({ totalSz: decimal, avgPx: decimal, oid: z.number().int() }) }),
  z.object({ error: z.string() }),
]);
export type PlaceStatus = z.infer<typeof PlaceStatus>;

export const CancelStatus = z.union([z.literal('success'), z.object({ error: z.string() })]);

/** `{"status":"ok","response":{"type":...,"data":{"statuses":[...]}}}`; `err` is classified by the HTTP layer. */
export function statusesReply<T extends z.ZodType>(status: T) {
  return z.object({
    status: z.literal('ok'),
    response: z.object({ type: z.string(), data: z.object({ statuses: z.array(status).min(1) }) }),
  });
}

export const WireFill = z.object({
  coin: z.string(),
  px: decimal,
  sz: decimal,
  side,
  time: z.number().int(),
  oid: z.number().int(),
  tid: z.number().int(),
  fee: decimal,
  cloid: z.string().nullish(),
});
export type WireFill = z.infer<typeof WireFill>;

export function fillFromWire(fill: WireFill, token: string): Fill {
  return {
    fillId: String(fill.tid),
    clientOrderId: clientOrderIdOfVenueOrder(fill.oid, fill.cloid),
    token,
    side: sideOf(fill.side),
    size: Number(fill.sz),
    price: Number(fill.px),
    fee: Number(fill.fee),
    ts: fill.time,
  };
}

const WireOrder = z.object({
  coin: z.string(),
  side,
  limitPx: decimal,
  sz: decimal,
  oid: z.number().int(),
  timestamp: z.number().int(),
  origSz: decimal.optional(),
  cloid: z.string().nullish(),
});
export type WireOrder = z.infer<typeof WireOrder>;

export const OrderStatusReply = z.discriminatedUnion('status', [
  z.object({ status: z.literal('unknownOid') }),
  z.object({ status: z.literal('order'), order: z.object({ order: WireOrder, status: z.string(), statusTimestamp: z.number() }) }),
]);

export const OpenOrdersReply = z.array(WireOrder);

export const UserFillsReply = z.array(WireFill);

export const ClearinghouseReply = z.object({
  assetPositions: z.array(z.object({ position: z.object({ coin: z.string(), szi: decimal, entryPx: decimal.nullish() }) })),
});
