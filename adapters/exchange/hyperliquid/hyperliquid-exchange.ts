// The Exchange port on Hyperliquid perps. Orders go out as signed L1 actions carrying a cloid made
// from our client order id, so any order can be found again by that id: a place that gets no
// answer is unresolved, never resent, and `order()` asks the venue what became of it. Market
// orders are IOC limits at the reference price moved against us by maxSlippageBps. Fills stream
// from the user WebSocket.
import { Wallet, getAddress, isAddress, keccak256, toUtf8Bytes } from 'ethers';
import type { Logger } from 'pino';
import { Observable } from 'rxjs';
import type { z } from 'zod';
import { silentLogger } from '../../../runtime/ports/logger.js';
import {
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
import { HyperliquidHttpApi, HyperliquidRejectedError, HyperliquidUnresolvedError } from './http-api.js';
import { signL1Action } from './signing.js';
import {
  CancelStatus,
  ClearinghouseReply,
  MetaReply,
  OpenOrdersReply,
  OrderStatusReply,
  PlaceStatus,
  TIF,
  UserFillsReply,
  WireFormatError,
  cancelByCloidAction,
  clientOrderIdOfVenueOrder,
  cloidOf,
  fillFromWire,
  formatPrice,
  formatSize,
  orderAction,
  orderWire,
  sideOf,
  statusesReply,
  type WireOrder,
} from './wire.js';
import { HyperliquidWsFeed } from './ws-feed.js';

export const HYPERLIQUID_MAINNET_URL = 'https://api.hyperliquid.xyz';
export const HYPERLIQUID_TESTNET_URL = 'https://api.hyperliquid-testnet.xyz';

export interface HyperliquidExchangeOptions {
  readonly baseUrl: string;
  /** Default: baseUrl with http -> ws, plus /ws. */
  readonly wsUrl?: string;
  /** A getter lets the key rotate without a restart. */
  readonly privateKey: string | (() => string);
  /** The trading account; default the signer's address (set it when signing with an agent wallet). */
  readonly accountAddress?: string;
  /** Trade for this vault / sub-account: it is signed into every action and is the user queried. */
  readonly vaultAddress?: string;
  /** Signature source "b" on testnet, "a" on mainnet. */
  readonly testnet: boolean;
  /** Default 5000. */
  readonly requestTimeoutMs?: number;
  /** How far past the reference price a marketable order may fill. Default 50. */
  readonly maxSlippageBps?: number;
  /** token -> Hyperliquid coin; tokens not listed are their own coin. */
  readonly coins?: Readonly<Record<string, string>>;
  /** Nonce source (ms timestamp); nonces still increase strictly if it repeats. Default Date.now. */
  readonly now?: () => number;
  readonly logger?: Logger;
  readonly ws?: { readonly pingIntervalMs?: number; readonly reconnectMinMs?: number; readonly reconnectMaxMs?: number };
}

/** The configured key is not a usable secp256k1 private key (the key itself is never shown). */
export class HyperliquidKeyError extends Error {
  override readonly name = 'HyperliquidKeyError';
}

const INVALID_KEY = 'the configured Hyperliquid private key is not a valid 32-byte hex key';

function walletOf(key: string): Wallet {
  try {
    return new Wallet(key);
  } catch {
    throw new HyperliquidKeyError(INVALID_KEY);
  }
}

/** Throws HyperliquidKeyError unless `key` can sign: checked at start, as an account set explicitly means no signing until the first order. */
export function checkHyperliquidKey(key: string): void {
  walletOf(key);
}

interface Market {
  readonly asset: number;
  readonly szDecimals: number;
}

const VENUE = 'hyperliquid';

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Sizes are decimal strings on the wire; differences of them are rounded back to a sane decimal. */
function difference(a: number, b: number): number {
  return Number((a - b).toFixed(10));
}

function statusOf(venueStatus: string, filledSize: number): { status: OrderStatus; reason?: string } | undefined {
  if (venueStatus === 'open' || venueStatus === 'triggered') return { status: filledSize > 0 ? 'partially-filled' : 'open' };
  if (venueStatus === 'filled') return { status: 'filled' };
  if (venueStatus === 'canceled') return { status: 'cancelled' };
  if (venueStatus.endsWith('Canceled') || venueStatus === 'scheduledCancel') return { status: 'cancelled', reason: venueStatus };
  if (venueStatus === 'rejected' || venueStatus.endsWith('Rejected')) return { status: 'rejected', reason: venueStatus };
  return undefined;
}

export class HyperliquidExchange implements Exchange {
  readonly venue = VENUE;
  readonly unknownMeansNeverSent = false;
  readonly fills: Observable<Fill>;

  private readonly api: HyperliquidHttpApi;
  private readonly feed: HyperliquidWsFeed;
  private readonly key: () => string;
  private readonly vaultAddress: string | null;
  /** The account whose orders, fills and positions we read. */
  private readonly user: string;
  private readonly isMainnet: boolean;
  private readonly slippage: number;
  private readonly coins: Readonly<Record<string, string>>;
  private readonly tokens = new Map<string, string>();
  private readonly now: () => number;
  private readonly log: Logger;
  private wallet: { keyId: string; wallet: Wallet } | undefined;
  private markets: Promise<Map<string, Market>> | undefined;
  private lastNonce = 0;
  private closed = false;
  /** The account is set explicitly (accountAddress or vault), not taken from the key. */
  private readonly accountFixed: boolean;

  constructor(options: HyperliquidExchangeOptions) {
    const { privateKey } = options;
    this.key = typeof privateKey === 'function' ? privateKey : () => privateKey;
    if (options.vaultAddress !== undefined && !isAddress(options.vaultAddress)) throw new TypeError(`vaultAddress is not an address: ${JSON.stringify(options.vaultAddress)}`);
    if (options.accountAddress !== undefined && !isAddress(options.accountAddress)) throw new TypeError(`accountAddress is not an address: ${JSON.stringify(options.accountAddress)}`);
    this.vaultAddress = options.vaultAddress ? getAddress(options.vaultAddress).toLowerCase() : null;
    this.accountFixed = options.accountAddress !== undefined || this.vaultAddress !== null;
    const account = options.accountAddress ? getAddress(options.accountAddress) : this.signer().address;
    this.user = (this.vaultAddress ?? account).toLowerCase();
    this.isMainnet = !options.testnet;

    const slippageBps = options.maxSlippageBps ?? 50;
    if (!(Number.isFinite(slippageBps) && slippageBps >= 0 && slippageBps < 1e4)) throw new RangeError(`maxSlippageBps must be in [0, 10000), got ${slippageBps}`);
    this.slippage = slippageBps / 1e4;
    this.coins = options.coins ?? {};
    for (const [token, coin] of Object.entries(this.coins)) this.tokens.set(coin, token);
    this.now = options.now ?? Date.now;
    this.log = options.logger ?? silentLogger;

    const baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.api = new HyperliquidHttpApi({ baseUrl, timeoutMs: options.requestTimeoutMs ?? 5000 });
    this.feed = new HyperliquidWsFeed({
      url: options.wsUrl ?? `${baseUrl.replace(/^http/, 'ws')}/ws`,
      user: this.user,
      coinToToken: (coin) => this.tokenOf(coin),
      logger: this.log,
      ...options.ws,
    });
    // The socket opens on the first subscriber and stays open (it must not miss fills) until close().
    this.fills = new Observable<Fill>((subscriber) => {
      if (this.closed) {
        subscriber.complete();
        return undefined;
      }
      const subscription = this.feed.fills.subscribe(subscriber);
      this.feed.start();
      return subscription;
    });
  }

  async place(order: OrderRequest): Promise<PlaceResult> {
    const cloid = cloidOf(order.clientOrderId);
    const rejected = (reason: string): PlaceResult => ({ outcome: 'rejected', reason });
    if (this.closed) return rejected('exchange adapter is closed');

    const coin = this.coinOf(order.token);
    let market: Market | undefined;
    try {
      market = (await this.loadMarkets()).get(coin);
    } catch (error) {
      return rejected(`market metadata unavailable, order not sent: ${message(error)}`);
    }
    if (!market) return rejected(`unknown coin ${coin} (token ${order.token})`);
    if (order.side !== 'buy' && order.side !== 'sell') return rejected(`invalid side ${JSON.stringify(order.side)}`);
    const tif = TIF[order.timeInForce ?? 'ioc'];
    if (!tif) return rejected(`invalid time in force ${JSON.stringify(order.timeInForce)}`);

    let wire;
    try {
      const isBuy = order.side === 'buy';
      const price = order.limitPrice ?? order.price * (isBuy ? 1 + this.slippage : 1 - this.slippage);
      wire = orderWire({
        asset: market.asset,
        isBuy,
        price: formatPrice(price, market.szDecimals),
        size: formatSize(order.size, market.szDecimals),
        reduceOnly: order.reduceOnly,
        tif,
        cloid,
      });
    } catch (error) {
      if (error instanceof WireFormatError) return rejected(error.message);
      throw error;
    }

    const sent = await this.send(orderAction([wire]));
    if (sent.outcome !== 'answered') return sent;
    const reply = statusesReply(PlaceStatus).safeParse(sent.reply);
    if (!reply.success) return this.unreadable(order.clientOrderId, 'order', sent.reply);

    const status = reply.data.response.data.statuses[0]!;
    const base = { clientOrderId: order.clientOrderId, token: order.token, side: order.side, size: Number(wire.s), fills: [] as Fill[] };
    if ('resting' in status) {
      return { outcome: 'confirmed', duplicate: false, order: { ...base, filledSize: 0, status: 'open', venueOrderId: String(status.resting.oid) } };
    }
    if ('filled' in status) {
      const filledSize = Number(status.filled.totalSz);
      return {
        outcome: 'confirmed',
        duplicate: false,
        order: { ...base, filledSize, status: filledSize >= base.size ? 'filled' : 'partially-filled', venueOrderId: String(status.filled.oid) },
      };
    }
    if (/duplicate/i.test(status.error)) return this.duplicate(order, status.error);
    return rejected(status.error);
  }

  async cancel(clientOrderId: string, token: string): Promise<CancelResult> {
    const cloid = cloidOf(clientOrderId);
    if (this.closed) return { outcome: 'rejected', reason: 'exchange adapter is closed' };
    const coin = this.coinOf(token);
    let market: Market | undefined;
    try {
      market = (await this.loadMarkets()).get(coin);
    } catch (error) {
      return { outcome: 'rejected', reason: `market metadata unavailable, cancel not sent: ${message(error)}` };
    }
    if (!market) return { outcome: 'rejected', reason: `unknown coin ${coin} (token ${token})` };

    const sent = await this.send(cancelByCloidAction([{ asset: market.asset, cloid }]));
    if (sent.outcome !== 'answered') return sent;
    const reply = statusesReply(CancelStatus).safeParse(sent.reply);
    if (!reply.success) return this.unreadable(clientOrderId, 'cancel', sent.reply);
    const status = reply.data.response.data.statuses[0]!;
    if (status !== 'success') return { outcome: 'rejected', reason: status.error };
    // The cancel is confirmed either way; the order's final state is a courtesy.
    const order = await this.order(clientOrderId, token).catch(() => undefined);
    return order ? { outcome: 'confirmed', order } : { outcome: 'confirmed' };
  }

  /** `token` is not needed to find the order: the cloid is unique per account. */
  async order(clientOrderId: string, _token: string): Promise<OrderState | undefined> {
    const cloid = cloidOf(clientOrderId);
    const reply = await this.ask({ type: 'orderStatus', user: this.user, oid: cloid }, OrderStatusReply);
    if (reply.status === 'unknownOid') return undefined;
    const { order: venueOrder, status: venueStatus } = reply.order;
    const state = this.stateOf(venueOrder, clientOrderId, venueStatus);
    if (state.filledSize === 0) return state;
    const fills = await this.ask({ type: 'userFills', user: this.user }, UserFillsReply);
    return {
      ...state,
      fills: fills.filter((fill) => fill.oid === venueOrder.oid).map((fill) => fillFromWire(fill, state.token)),
    };
  }

  async openOrders(): Promise<readonly OrderState[]> {
    const orders = await this.ask({ type: 'openOrders', user: this.user }, OpenOrdersReply);
    return orders.map((o) => this.stateOf(o, clientOrderIdOfVenueOrder(o.oid, o.cloid), 'open'));
  }

  async positions(): Promise<readonly VenuePosition[]> {
    const state = await this.ask({ type: 'clearinghouseState', user: this.user }, ClearinghouseReply);
    return state.assetPositions
      .map(({ position }) => ({ token: this.tokenOf(position.coin), size: Number(position.szi), entryPrice: Number(position.entryPx ?? 0) }))
      .filter((position) => position.size !== 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.feed.close();
  }

  // ---- internals ----

  private coinOf(token: string): string {
    return this.coins[token] ?? token;
  }

  private tokenOf(coin: string): string {
    return this.tokens.get(coin) ?? coin;
  }

  private signer(): Wallet {
    const key = this.key();
    // Remember which key built the wallet by its hash, so the key itself is kept nowhere else.
    const keyId = keccak256(toUtf8Bytes(key));
    if (this.wallet?.keyId === keyId) return this.wallet.wallet;
    const wallet = walletOf(key);
    // Without an explicit account (or vault) the account is the first key's: a rotated key must sign
    // for that same account, or orders would land on an account nobody here watches.
    if (this.wallet && !this.accountFixed && wallet.address.toLowerCase() !== this.user) {
      throw new HyperliquidKeyError('the rotated Hyperliquid key belongs to another account: orders are refused; restart, or set exchange.hyperliquid.accountAddress');
    }
    this.wallet = { keyId, wallet };
    return wallet;
  }

  private nextNonce(): number {
    this.lastNonce = Math.max(Math.floor(this.now()), this.lastNonce + 1);
    return this.lastNonce;
  }

  private loadMarkets(): Promise<Map<string, Market>> {
    this.markets ??= this.ask({ type: 'meta' }, MetaReply).then(
      (meta) => new Map(meta.universe.map((asset, index) => [asset.name, { asset: index, szDecimals: asset.szDecimals }])),
      (error: unknown) => {
        this.markets = undefined; // ask again next time
        throw error;
      },
    );
    return this.markets;
  }

  /** Signs and posts an action. Anything that fails before the request leaves is a rejection. */
  private async send(
    action: unknown,
  ): Promise<{ outcome: 'answered'; reply: unknown } | { outcome: 'rejected'; reason: string; retryAfterMs?: number } | { outcome: 'unresolved'; reason: string }> {
    const nonce = this.nextNonce();
    let signature;
    try {
      signature = await signL1Action(this.signer(), action, this.vaultAddress, nonce, undefined, this.isMainnet);
    } catch (error) {
      return { outcome: 'rejected', reason: `not sent, signing failed: ${error instanceof HyperliquidKeyError ? error.message : message(error)}` };
    }
    try {
      return { outcome: 'answered', reply: await this.api.exchange({ action, nonce, signature, vaultAddress: this.vaultAddress }) };
    } catch (error) {
      if (error instanceof HyperliquidRejectedError) {
        return { outcome: 'rejected', reason: error.message, ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}) };
      }
      // Timeouts, disconnects, 5xx, and anything we cannot account for: it may have happened.
      this.log.warn({ err: message(error) }, 'hyperliquid exchange request unresolved');
      return { outcome: 'unresolved', reason: error instanceof HyperliquidUnresolvedError ? error.message : `unexpected failure: ${message(error)}` };
    }
  }

  private unreadable(clientOrderId: string, what: string, reply: unknown): { outcome: 'unresolved'; reason: string } {
    const text = JSON.stringify(reply)?.slice(0, 300);
    this.log.warn({ clientOrderId, reply: text }, `hyperliquid ${what} reply not understood`);
    return { outcome: 'unresolved', reason: `${what} accepted but the reply was not understood: ${text}` };
  }

  /** The venue says it already has this cloid: answer with the order it has. */
  private async duplicate(order: OrderRequest, venueError: string): Promise<PlaceResult> {
    try {
      const existing = await this.order(order.clientOrderId, order.token);
      if (existing) return { outcome: 'confirmed', order: existing, duplicate: true };
      return { outcome: 'rejected', reason: venueError };
    } catch (error) {
      return { outcome: 'unresolved', reason: `${venueError}; looking the order up failed: ${message(error)}` };
    }
  }

  /** An /info question; any failure to get a readable answer is ExchangeUnavailableError. */
  private async ask<T extends z.ZodType>(body: { readonly type: string; readonly [field: string]: unknown }, schema: T): Promise<z.infer<T>> {
    let reply: unknown;
    try {
      reply = await this.api.info(body);
    } catch (error) {
      throw new ExchangeUnavailableError(VENUE, `info ${body.type}: ${message(error)}`, { cause: error });
    }
    const parsed = schema.safeParse(reply);
    if (!parsed.success) {
      throw new ExchangeUnavailableError(VENUE, `info ${body.type}: unexpected reply ${JSON.stringify(reply)?.slice(0, 300)}`, { cause: parsed.error });
    }
    return parsed.data;
  }

  private stateOf(o: WireOrder, clientOrderId: string, venueStatus: string): OrderState {
    const size = Number(o.origSz ?? o.sz);
    const filledSize = Math.max(0, difference(size, Number(o.sz)));
    const mapped = statusOf(venueStatus, filledSize);
    if (!mapped) throw new ExchangeUnavailableError(VENUE, `order ${clientOrderId}: unrecognised order status ${JSON.stringify(venueStatus)}`);
    return {
      clientOrderId,
      token: this.tokenOf(o.coin),
      side: sideOf(o.side),
      size,
      filledSize: mapped.status === 'filled' ? size : filledSize,
      status: mapped.status,
      fills: [],
      venueOrderId: String(o.oid),
      ...(mapped.reason ? { reason: mapped.reason } : {}),
    };
  }
}
