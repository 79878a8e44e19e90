// The Exchange port on Binance spot (the testnet unless baseUrl says otherwise). Orders are LIMIT
// orders formatted to the symbol's filters; a marketable order is an IOC limit at the reference price
// moved against us by maxSlippageBps. Our client order id is Binance's newClientOrderId, so an order
// whose answer was lost (timeout, disconnect, 5xx) is found again by it and never sent twice.
//
// Spot specifics a caller should know:
// - There is no reduceOnly on spot: a reduceOnly order is sent as a plain order (it can open a
//   position as well as close one). Size it from `positions()`.
// - Binance only refuses a reused newClientOrderId while the first order is still open; a filled
//   order's id is accepted again. So by default (`lookupBeforePlace`) place() first looks the id up
//   and answers `duplicate: true` from what the venue already has, at the cost of one GET per order.
// - `positions()` reports balances, not positions: base-asset holdings as long sizes, with entry
//   price 0 (unknown: spot keeps no cost basis).
import type { Observable } from 'rxjs';
import { z } from 'zod';
import {
  ExchangeHaltedError,
  ExchangeUnavailableError,
  type CancelResult,
  type Exchange,
  type Fill,
  type OrderRequest,
  type OrderState,
  type OrderStatus,
  type PlaceResult,
  type VenuePosition,
} from '../../../runtime/ports/exchange.js';
import { RateLimitGate } from './rate-limits.js';
import { BinanceRestClient, type RestOutcome } from './rest-client.js';
import type { BinanceParams } from './signing.js';
import { BinanceUserStream, feeInQuote, type SymbolAssets, type UserStreamStatus } from './user-stream.js';

export const BINANCE_TESTNET_URL = 'https://testnet.binance.vision';
export const BINANCE_TESTNET_WS_API_URL = 'wss://ws-api.testnet.binance.vision/ws-api/v3';
export const BINANCE_MAINNET_URL = 'https://api.binance.com';
export const BINANCE_MAINNET_WS_API_URL = 'wss://ws-api.binance.com:443/ws-api/v3';

const CLIENT_ORDER_ID = /^[a-zA-Z0-9-_]{1,36}$/;
const DUPLICATE_ORDER = -2010;
const NO_SUCH_ORDER = -2013;

export type Credential = string | (() => string);

export interface BinanceExchangeOptions {
  /** REST base URL; default the spot testnet. */
  readonly baseUrl?: string;
  /** WebSocket API URL for the user data stream; default derived from baseUrl. */
  readonly wsUrl?: string;
  /** A getter lets a rotated key take effect on the next request. */
  readonly apiKey: Credential;
  readonly apiSecret: Credential;
  /** Quote asset a token is traded against: token 'SOL' -> symbol 'SOLUSDT'. Default 'USDT'. */
  readonly quoteAsset?: string;
  /** Token -> symbol where the rule above does not fit. */
  readonly symbols?: Readonly<Record<string, string>>;
  /** Default 10000 ms. */
  readonly requestTimeoutMs?: number;
  /** Default 5000 ms. */
  readonly recvWindow?: number;
  /** How far a marketable order's limit may be from the reference price. Default 50 bps. */
  readonly maxSlippageBps?: number;
  /** Wall clock for request timestamps and rate-limit back-off. */
  readonly now?: () => number;
  /** Look the client order id up before sending (see the header). Default true. */
  readonly lookupBeforePlace?: boolean;
  /** User data stream tuning (reconnect backoff, heartbeat). */
  readonly stream?: { readonly reconnectMinMs?: number; readonly reconnectMaxMs?: number; readonly heartbeatMs?: number };
}

/** A symbol's trading rules from exchangeInfo, as needed to format an order. */
export interface SymbolRules {
  readonly symbol: string;
  readonly status: string;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  /** '0' when the filter is disabled. */
  readonly tickSize: string;
  readonly minPrice: number;
  readonly maxPrice: number;
  readonly stepSize: string;
  readonly minQty: number;
  readonly maxQty: number;
  readonly minNotional: number;
  readonly maxNotional: number;
}

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'a decimal string');

const filterSchema = z.object({
  filterType: z.string(),
  tickSize: decimal.optional(),
  minPrice: decimal.optional(),
  maxPrice: decimal.optional(),
  stepSize: decimal.optional(),
  minQty: decimal.optional(),
  maxQty: decimal.optional(),
  minNotional: decimal.optional(),
  maxNotional: decimal.optional(),
});

const exchangeInfoSchema = z.object({
  symbols: z.array(
    z.object({
      symbol: z.string(),
      status: z.string(),
      baseAsset: z.string(),
      quoteAsset: z.string(),
      filters: z.array(filterSchema),
    }),
  ),
});

const orderFillSchema = z.object({
  price: decimal,
  qty: decimal,
  commission: decimal,
  commissionAsset: z.string().nullish(),
  tradeId: z.number(),
});

const orderSchema = z.object({
  symbol: z.string(),
  orderId: z.number(),
  clientOrderId: z.string(),
  transactTime: z.number().optional(),
  price: decimal,
  origQty: decimal,
  executedQty: decimal,
  status: z.string(),
  side: z.enum(['BUY', 'SELL']),
  expiryReason: z.string().optional(),
  fills: z.array(orderFillSchema).optional(),
});
type BinanceOrder = z.infer<typeof orderSchema>;

const tradeSchema = z.object({
  symbol: z.string(),
  id: z.number(),
  orderId: z.number(),
  price: decimal,
  qty: decimal,
  commission: decimal,
  commissionAsset: z.string().nullish(),
  time: z.number(),
  isBuyer: z.boolean(),
});

const accountSchema = z.object({
  balances: z.array(z.object({ asset: z.string(), free: decimal, locked: decimal })),
});

type Lookup =
  | { readonly kind: 'found'; readonly order: OrderState }
  | { readonly kind: 'absent' }
  | { readonly kind: 'failed'; readonly outcome: Failure };

/** A REST outcome that is not 'ok', or an answer we could not read. */
type Failure = Exclude<RestOutcome, { kind: 'ok' }>;

export class BinanceExchange implements Exchange {
  readonly venue = 'binance';
  readonly unknownMeansNeverSent = false;
  readonly fills: Observable<Fill>;
  private readonly rest: BinanceRestClient;
  private readonly stream: BinanceUserStream;
  private readonly quoteAsset: string;
  private readonly maxSlippageBps: number;
  private readonly lookupBeforePlace: boolean;
  private readonly symbolTokens = new Map<string, string>();
  private readonly rules = new Map<string, SymbolRules>();
  private readonly loadingRules = new Map<string, Promise<SymbolRules | Failure>>();
  private closed = false;

  constructor(private readonly options: BinanceExchangeOptions) {
    const baseUrl = options.baseUrl ?? BINANCE_TESTNET_URL;
    this.quoteAsset = options.quoteAsset ?? 'USDT';
    this.maxSlippageBps = options.maxSlippageBps ?? 50;
    this.lookupBeforePlace = options.lookupBeforePlace ?? true;
    if (this.quoteAsset.trim() === '') throw new TypeError('quoteAsset must not be empty');
    if (!(Number.isFinite(this.maxSlippageBps) && this.maxSlippageBps >= 0 && this.maxSlippageBps < 10_000)) {
      throw new RangeError(`maxSlippageBps must be in [0, 10000), got ${this.maxSlippageBps}`);
    }
    const apiKey = credential('apiKey', options.apiKey);
    const apiSecret = credential('apiSecret', options.apiSecret);
    for (const [token, symbol] of Object.entries(options.symbols ?? {})) this.symbolTokens.set(symbol, token);

    this.rest = new BinanceRestClient({
      baseUrl,
      apiKey,
      apiSecret,
      gate: new RateLimitGate(options.now ?? Date.now),
      ...(options.recvWindow === undefined ? {} : { recvWindow: options.recvWindow }),
      ...(options.requestTimeoutMs === undefined ? {} : { timeoutMs: options.requestTimeoutMs }),
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    this.stream = new BinanceUserStream({
      url: options.wsUrl ?? wsApiUrlFor(baseUrl),
      apiKey,
      apiSecret,
      venueTime: () => this.rest.venueTime(),
      resyncClock: () => this.rest.syncTime(),
      context: { tokenOf: (symbol) => this.tokenOf(symbol), assetsOf: (symbol) => this.assetsOf(symbol) },
      ...options.stream,
    });
    this.fills = this.stream.fills;
  }

  /** X-MBX-USED-WEIGHT-1M from the venue's last answer. */
  get usedWeight1m(): number | undefined {
    return this.rest.gate.usedWeight1m;
  }

  /** The back-off / ban gate every request passes (for metrics and decisions). */
  get rateLimits(): RateLimitGate {
    return this.rest.gate;
  }

  get streamStatus(): UserStreamStatus {
    return this.stream.status;
  }

  /** Operator action after a 418: allow requests again before Retry-After has passed. */
  resume(): void {
    this.rest.gate.resume();
  }

  /** The Binance symbol a token trades on. */
  symbolFor(token: string): string {
    const symbol = this.options.symbols?.[token] ?? `${token}${this.quoteAsset}`.toUpperCase();
    if (!this.symbolTokens.has(symbol)) this.symbolTokens.set(symbol, token);
    return symbol;
  }

  async place(order: OrderRequest): Promise<PlaceResult> {
    if (this.closed) return { outcome: 'rejected', reason: 'exchange closed; nothing sent' };
    const invalid = invalidRequest(order);
    if (invalid) return { outcome: 'rejected', reason: `${invalid}; nothing sent` };

    const symbol = this.symbolFor(order.token);
    const rules = await this.rulesFor(symbol);
    if (!('symbol' in rules)) return notSentResult(rules, `loading the trading rules of ${symbol}`);
    const formatted = formatOrder(order, rules, this.maxSlippageBps);
    if ('reason' in formatted) return { outcome: 'rejected', reason: `${formatted.reason}; nothing sent` };

    if (this.lookupBeforePlace) {
      const seen = await this.lookup(symbol, order.clientOrderId, order.token);
      if (seen.kind === 'found') return { outcome: 'confirmed', order: seen.order, duplicate: true };
      if (seen.kind === 'failed') return notSentResult(seen.outcome, `checking ${order.clientOrderId} before sending`);
    }

    const params: Record<string, string> = { symbol, side: order.side === 'buy' ? 'BUY' : 'SELL' };
    const tif = order.timeInForce ?? 'ioc';
    if (tif === 'alo') params.type = 'LIMIT_MAKER';
    else Object.assign(params, { type: 'LIMIT', timeInForce: tif === 'gtc' ? 'GTC' : 'IOC' });
    Object.assign(params, { quantity: formatted.quantity, price: formatted.price, newClientOrderId: order.clientOrderId, newOrderRespType: 'FULL' });

    const answer = await this.rest.signed<unknown>('POST', '/api/v3/order', params);
    switch (answer.kind) {
      case 'ok': {
        const parsed = orderSchema.safeParse(answer.body);
        if (!parsed.success) return { outcome: 'unresolved', reason: `order answer not understood (${parsed.error.issues[0]?.message}); execution status UNKNOWN` };
        const fills = (parsed.data.fills ?? []).map((fill) => ({
          fillId: `${symbol}:${fill.tradeId}`,
          clientOrderId: order.clientOrderId,
          token: order.token,
          side: order.side,
          size: Number(fill.qty),
          price: Number(fill.price),
          fee: feeInQuote(Number(fill.commission), fill.commissionAsset, Number(fill.price), assetsOfRules(rules)),
          ts: parsed.data.transactTime ?? order.ts,
        }));
        return { outcome: 'confirmed', order: toOrderState(parsed.data, order.clientOrderId, order.token, fills), duplicate: false };
      }
      case 'rejected':
        if (answer.code === DUPLICATE_ORDER && /duplicate order/i.test(answer.reason)) {
          const existing = await this.lookup(symbol, order.clientOrderId, order.token);
          if (existing.kind === 'found') return { outcome: 'confirmed', order: existing.order, duplicate: true };
          return { outcome: 'unresolved', reason: `venue reports a duplicate of ${order.clientOrderId} but could not show it: ${existing.kind === 'failed' ? existing.outcome.reason : 'not found'}` };
        }
        return { outcome: 'rejected', reason: answer.reason, ...(answer.code === undefined ? {} : { code: String(answer.code) }) };
      case 'unknown':
        return { outcome: 'unresolved', reason: answer.reason };
      default:
        return notSentResult(answer, 'placing');
    }
  }

  async cancel(clientOrderId: string, token: string): Promise<CancelResult> {
    if (this.closed) return { outcome: 'rejected', reason: 'exchange closed; nothing sent' };
    if (!CLIENT_ORDER_ID.test(clientOrderId)) return { outcome: 'rejected', reason: `client order id ${JSON.stringify(clientOrderId)} cannot exist on Binance (must match ${CLIENT_ORDER_ID.source}); nothing sent` };
    const symbol = this.symbolFor(token);
    const answer = await this.rest.signed<unknown>('DELETE', '/api/v3/order', { symbol, origClientOrderId: clientOrderId });
    switch (answer.kind) {
      case 'ok': {
        const parsed = orderSchema.safeParse(answer.body);
        return parsed.success ? { outcome: 'confirmed', order: toOrderState(parsed.data, clientOrderId, token, []) } : { outcome: 'confirmed' };
      }
      case 'rejected':
        return { outcome: 'rejected', reason: answer.reason, ...(answer.code === undefined ? {} : { code: String(answer.code) }) };
      case 'unknown':
        return { outcome: 'unresolved', reason: answer.reason };
      default:
        return { outcome: 'rejected', reason: answer.reason };
    }
  }

  /** The venue's view of one order and its trades; undefined when Binance has never seen the id. */
  async order(clientOrderId: string, token: string): Promise<OrderState | undefined> {
    this.assertOpen();
    if (!CLIENT_ORDER_ID.test(clientOrderId)) return undefined; // place() never sends such an id
    const found = await this.lookup(this.symbolFor(token), clientOrderId, token);
    if (found.kind === 'failed') throw this.readError(found.outcome);
    return found.kind === 'found' ? found.order : undefined;
  }

  /** Every open order on the account (one request, all symbols: weight 80). */
  async openOrders(): Promise<readonly OrderState[]> {
    this.assertOpen();
    const answer = await this.rest.signed<unknown>('GET', '/api/v3/openOrders');
    if (answer.kind !== 'ok') throw this.readError(answer);
    const parsed = z.array(orderSchema).safeParse(answer.body);
    if (!parsed.success) throw new ExchangeUnavailableError(this.venue, `openOrders answer not understood: ${parsed.error.issues[0]?.message}`);
    return parsed.data.map((o) => toOrderState(o, o.clientOrderId, this.tokenOf(o.symbol), []));
  }

  /**
   * Spot holdings as long positions, entry price 0 (unknown). With `symbols` configured: the base
   * asset of each configured symbol; otherwise every non-zero balance except the quote asset.
   */
  async positions(): Promise<readonly VenuePosition[]> {
    this.assertOpen();
    const answer = await this.rest.signed<unknown>('GET', '/api/v3/account', { omitZeroBalances: true });
    if (answer.kind !== 'ok') throw this.readError(answer);
    const parsed = accountSchema.safeParse(answer.body);
    if (!parsed.success) throw new ExchangeUnavailableError(this.venue, `account answer not understood: ${parsed.error.issues[0]?.message}`);
    const held = new Map(parsed.data.balances.map((b) => [b.asset, Number(b.free) + Number(b.locked)]));

    const configured = Object.entries(this.options.symbols ?? {});
    if (configured.length === 0) {
      return [...held].filter(([asset, size]) => asset !== this.quoteAsset && size !== 0).map(([asset, size]) => ({ token: asset, size, entryPrice: 0 }));
    }
    const positions: VenuePosition[] = [];
    for (const [token, symbol] of configured) {
      const rules = await this.rulesFor(symbol);
      if (!('symbol' in rules)) throw this.readError(rules);
      const size = held.get(rules.baseAsset) ?? 0;
      if (size !== 0) positions.push({ token, size, entryPrice: 0 });
    }
    return positions;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.rest.close();
    await this.stream.close();
  }

  private async lookup(symbol: string, clientOrderId: string, token: string): Promise<Lookup> {
    const answer = await this.rest.signed<unknown>('GET', '/api/v3/order', { symbol, origClientOrderId: clientOrderId });
    if (answer.kind === 'rejected' && answer.code === NO_SUCH_ORDER) return { kind: 'absent' };
    if (answer.kind !== 'ok') return { kind: 'failed', outcome: answer };
    const parsed = orderSchema.safeParse(answer.body);
    if (!parsed.success) return { kind: 'failed', outcome: { kind: 'unknown', reason: `order answer not understood: ${parsed.error.issues[0]?.message}` } };
    const fills = Number(parsed.data.executedQty) > 0 ? await this.trades(parsed.data, clientOrderId, token) : [];
    if (!Array.isArray(fills)) return { kind: 'failed', outcome: fills };
    return { kind: 'found', order: toOrderState(parsed.data, clientOrderId, token, fills) };
  }

  private async trades(order: BinanceOrder, clientOrderId: string, token: string): Promise<Fill[] | Failure> {
    const params: BinanceParams = { symbol: order.symbol, orderId: order.orderId };
    const answer = await this.rest.signed<unknown>('GET', '/api/v3/myTrades', params);
    if (answer.kind !== 'ok') return answer;
    const parsed = z.array(tradeSchema).safeParse(answer.body);
    if (!parsed.success) return { kind: 'unknown', reason: `myTrades answer not understood: ${parsed.error.issues[0]?.message}` };
    const assets = this.assetsOf(order.symbol);
    return parsed.data.map((trade) => ({
      fillId: `${trade.symbol}:${trade.id}`,
      clientOrderId,
      token,
      side: trade.isBuyer ? 'buy' : 'sell',
      size: Number(trade.qty),
      price: Number(trade.price),
      fee: feeInQuote(Number(trade.commission), trade.commissionAsset, Number(trade.price), assets),
      ts: trade.time,
    }));
  }

  /** exchangeInfo for one symbol, loaded once and kept (filters change rarely). */
  private async rulesFor(symbol: string): Promise<SymbolRules | Failure> {
    const known = this.rules.get(symbol);
    if (known) return known;
    let loading = this.loadingRules.get(symbol);
    if (!loading) {
      loading = this.loadRules(symbol).finally(() => this.loadingRules.delete(symbol));
      this.loadingRules.set(symbol, loading);
    }
    return loading;
  }

  private async loadRules(symbol: string): Promise<SymbolRules | Failure> {
    const answer = await this.rest.public<unknown>('GET', '/api/v3/exchangeInfo', { symbol });
    if (answer.kind !== 'ok') return answer;
    const parsed = exchangeInfoSchema.safeParse(answer.body);
    const info = parsed.success ? parsed.data.symbols.find((s) => s.symbol === symbol) : undefined;
    if (!info) return { kind: 'unknown', reason: `exchangeInfo for ${symbol} not understood` };
    const rules = rulesFromInfo(info);
    this.rules.set(symbol, rules);
    return rules;
  }

  private tokenOf(symbol: string): string {
    const token = this.symbolTokens.get(symbol);
    if (token !== undefined) return token;
    return symbol.endsWith(this.quoteAsset) && symbol.length > this.quoteAsset.length ? symbol.slice(0, -this.quoteAsset.length) : symbol;
  }

  private assetsOf(symbol: string): SymbolAssets | undefined {
    const rules = this.rules.get(symbol);
    if (rules) return assetsOfRules(rules);
    if (symbol.endsWith(this.quoteAsset) && symbol.length > this.quoteAsset.length) {
      return { base: symbol.slice(0, -this.quoteAsset.length), quote: this.quoteAsset };
    }
    return undefined;
  }

  private readError(outcome: Failure): Error {
    if (outcome.kind === 'halted') return new ExchangeHaltedError(this.venue, outcome.reason, outcome.retryAfterMs);
    return new ExchangeUnavailableError(this.venue, outcome.reason);
  }

  private assertOpen(): void {
    if (this.closed) throw new ExchangeUnavailableError(this.venue, 'exchange closed');
  }
}

/** The WebSocket API endpoint that goes with a REST base URL. */
export function wsApiUrlFor(baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  if (base === BINANCE_TESTNET_URL) return BINANCE_TESTNET_WS_API_URL;
  if (base === BINANCE_MAINNET_URL) return BINANCE_MAINNET_WS_API_URL;
  return `${base.replace(/^http/, 'ws')}/ws-api/v3`;
}

function credential(name: string, value: Credential): () => string {
  if (typeof value === 'function') return value;
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`${name} must be a non-empty string or a getter`);
  return () => value;
}

/** A request that must not be sent, and why; undefined when it may go. */
function invalidRequest(order: OrderRequest): string | undefined {
  if (!CLIENT_ORDER_ID.test(order.clientOrderId)) return `client order id ${JSON.stringify(order.clientOrderId)} is not valid on Binance (must match ${CLIENT_ORDER_ID.source})`;
  if (order.side !== 'buy' && order.side !== 'sell') return `invalid side ${JSON.stringify(order.side)}`;
  if (!(Number.isFinite(order.size) && order.size > 0)) return `invalid size ${order.size}: must be a positive finite number`;
  if (!(Number.isFinite(order.price) && order.price > 0)) return `invalid reference price ${order.price}: must be a positive finite number`;
  if (order.limitPrice !== undefined && !(Number.isFinite(order.limitPrice) && order.limitPrice > 0)) return `invalid limit price ${order.limitPrice}: must be a positive finite number`;
  const tif = order.timeInForce ?? 'ioc';
  if (tif !== 'ioc' && tif !== 'gtc' && tif !== 'alo') return `invalid time in force ${JSON.stringify(tif)}`;
  if (tif === 'alo' && order.limitPrice === undefined) return 'a post-only (alo) order needs a limit price';
  return undefined;
}

function rulesFromInfo(info: z.infer<typeof exchangeInfoSchema>['symbols'][number]): SymbolRules {
  const filter = (type: string) => info.filters.find((f) => f.filterType === type);
  const price = filter('PRICE_FILTER');
  const lot = filter('LOT_SIZE');
  const notional = filter('NOTIONAL') ?? filter('MIN_NOTIONAL');
  return {
    symbol: info.symbol,
    status: info.status,
    baseAsset: info.baseAsset,
    quoteAsset: info.quoteAsset,
    tickSize: price?.tickSize ?? '0',
    minPrice: Number(price?.minPrice ?? 0),
    maxPrice: Number(price?.maxPrice ?? 0),
    stepSize: lot?.stepSize ?? '0',
    minQty: Number(lot?.minQty ?? 0),
    maxQty: Number(lot?.maxQty ?? 0),
    minNotional: Number(notional?.minNotional ?? 0),
    maxNotional: Number(notional?.maxNotional ?? 0),
  };
}

function assetsOfRules(rules: SymbolRules): SymbolAssets {
  return { base: rules.baseAsset, quote: rules.quoteAsset };
}

/**
 * Price and quantity as the venue will accept them, or why the order cannot go. The price is rounded
 * to the tick in the taker's favour (a buy down, a sell up) so it never passes the limit or the
 * slippage bound; the quantity is rounded down to the step, never up.
 */
export function formatOrder(order: OrderRequest, rules: SymbolRules, maxSlippageBps: number): { price: string; quantity: string } | { reason: string } {
  const { symbol } = rules;
  if (rules.status !== 'TRADING') return { reason: `${symbol} is not trading (status ${rules.status})` };
  const buy = order.side === 'buy';
  const slip = maxSlippageBps / 1e4;
  const rawPrice = order.limitPrice ?? (buy ? order.price * (1 + slip) : order.price * (1 - slip));
  const price = roundToStep(rawPrice, rules.tickSize, buy ? 'down' : 'up');
  const quantity = roundToStep(order.size, rules.stepSize, 'down');
  const p = Number(price);
  const q = Number(quantity);
  if (!(p > 0)) return { reason: `price ${rawPrice} rounds to ${price} at tick ${rules.tickSize} for ${symbol}` };
  if (rules.minPrice > 0 && p < rules.minPrice) return { reason: `price ${price} is below minPrice ${rules.minPrice} for ${symbol}` };
  if (rules.maxPrice > 0 && p > rules.maxPrice) return { reason: `price ${price} is above maxPrice ${rules.maxPrice} for ${symbol}` };
  if (!(q > 0) || q < rules.minQty) return { reason: `size ${order.size} is below minQty ${rules.minQty} for ${symbol} (rounded down to step ${rules.stepSize}: ${quantity})` };
  if (rules.maxQty > 0 && q > rules.maxQty) return { reason: `size ${quantity} is above maxQty ${rules.maxQty} for ${symbol}` };
  const notional = p * q;
  // A hair of tolerance: 0.1 x 50 must not be refused as 4.999999999999999 < 5.
  if (notional < rules.minNotional * (1 - 1e-12)) return { reason: `notional ${quantity} x ${price} = ${notional} is below minNotional ${rules.minNotional} ${rules.quoteAsset} for ${symbol}` };
  if (rules.maxNotional > 0 && notional > rules.maxNotional) return { reason: `notional ${notional} is above maxNotional ${rules.maxNotional} ${rules.quoteAsset} for ${symbol}` };
  return { price, quantity };
}

/** `value` as a multiple of `step` (a decimal string), formatted exactly; a zero step means no rule. */
export function roundToStep(value: number, step: string, mode: 'down' | 'up'): string {
  const { units: stepUnits, scale } = parseDecimal(step);
  if (stepUnits === 0n) return formatUnits(BigInt(Math.round(value * 1e8)), 8);
  const ratio = value / Number(step);
  // The relative nudge absorbs binary representation error (0.3 / 0.1 = 2.9999999999999996).
  const steps = mode === 'down' ? Math.floor(ratio * (1 + 1e-12)) : Math.ceil(ratio * (1 - 1e-12));
  if (!Number.isSafeInteger(steps)) throw new RangeError(`${value} is out of range for step ${step}`);
  return formatUnits(BigInt(steps) * stepUnits, scale);
}

function parseDecimal(text: string): { units: bigint; scale: number } {
  const [whole = '0', fraction = ''] = text.split('.');
  const trimmed = fraction.replace(/0+$/, '');
  return { units: BigInt(`${whole}${trimmed}`), scale: trimmed.length };
}

function formatUnits(units: bigint, scale: number): string {
  if (scale === 0) return units.toString();
  const digits = units.toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, -scale);
  const fraction = digits.slice(-scale).replace(/0+$/, '');
  return fraction === '' ? whole : `${whole}.${fraction}`;
}

function toStatus(status: string): OrderStatus {
  switch (status) {
    case 'FILLED':
      return 'filled';
    case 'PARTIALLY_FILLED':
      return 'partially-filled';
    case 'CANCELED':
    case 'EXPIRED':
    case 'EXPIRED_IN_MATCH':
      return 'cancelled';
    case 'REJECTED':
      return 'rejected';
    default: // NEW, PENDING_NEW, PENDING_CANCEL: still live at the venue
      return 'open';
  }
}

function toOrderState(order: BinanceOrder, clientOrderId: string, token: string, fills: readonly Fill[]): OrderState {
  const reason = order.status === 'EXPIRED' || order.status === 'EXPIRED_IN_MATCH'
    ? `${order.status.toLowerCase()}${order.expiryReason ? ` (${order.expiryReason})` : ''}`
    : undefined;
  return {
    clientOrderId,
    token,
    side: order.side === 'BUY' ? 'buy' : 'sell',
    size: Number(order.origQty),
    filledSize: Number(order.executedQty),
    status: toStatus(order.status),
    fills,
    venueOrderId: String(order.orderId),
    ...(reason === undefined ? {} : { reason }),
  };
}

/** A request refused before execution (locally or by the venue), as a place result: no order exists. */
function notSentResult(outcome: Failure, doing: string): PlaceResult {
  switch (outcome.kind) {
    case 'halted':
      return { outcome: 'rejected', reason: `${outcome.reason} (while ${doing}); no order placed`, halt: true, ...(outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs }) };
    case 'throttled':
      return { outcome: 'rejected', reason: `${outcome.reason} (while ${doing}); no order placed`, retryAfterMs: outcome.retryAfterMs };
    case 'rejected':
      return { outcome: 'rejected', reason: `${outcome.reason} (while ${doing}); no order placed`, ...(outcome.code === undefined ? {} : { code: String(outcome.code) }) };
    default:
      return { outcome: 'rejected', reason: `${outcome.reason} (while ${doing}); no order placed` };
  }
}
