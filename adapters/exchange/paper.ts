// Paper exchange: an in-memory venue for paper trading and backtests. The market for an order is its
// reference price moved against the taker by slippageBps; fee = notional * feeBps / 1e4. An order
// without a limit price, and a limit order that is marketable (buy limit >= the market, sell limit
// <= it), fills at the market, never better. A limit order that is not marketable: 'ioc' is
// cancelled unfilled ('not marketable'); 'gtc' rests until cancelled or until `markPrice` reaches
// its limit, then fills at the limit; 'alo' (post-only) rests the same way, and is rejected when it
// is marketable. An order fills in full at once by default; `fillSlices` > 1 splits it into partial
// fills: the first comes with the answer (or the mark), the rest arrive on `fills` every
// `fillIntervalMs`. Each reduce-only slice is capped at the position it still reduces. `latencyMs`
// delays every answer. Client order ids are idempotent: placing a known id again returns the stored
// order with duplicate: true. Every order answer carries the order's fills so far. After close(),
// place and cancel are rejected ('exchange closed') and lookups throw ExchangeUnavailableError.
// With a `book` (durable state), every change to an order is written before the venue answers,
// and `open()` loads the book back, so a restarted run finds the venue as it left it.
import { Subject, type Observable } from 'rxjs';
import {
  ExchangeUnavailableError,
  type CancelResult,
  type Exchange,
  type Fill,
  type OrderRequest,
  type OrderState,
  type PlaceResult,
  type TimeInForce,
  type VenuePosition,
} from '../../runtime/ports/exchange.js';
import type { VenueBook } from '../../runtime/ports/venue-book.js';

export interface PaperExchangeOptions {
  readonly slippageBps?: number;
  readonly feeBps?: number;
  /** Number of equal partial fills per order (default 1: filled in full at once). */
  readonly fillSlices?: number;
  /** Delay between partial fills after the first (default 0). */
  readonly fillIntervalMs?: number;
  /** Delay before each answer (default 0). */
  readonly latencyMs?: number;
  /** Where the orders are kept across restarts (none: in memory only). */
  readonly book?: VenueBook;
}

/** What the book keeps of an order. */
interface PaperOrderRecord {
  readonly request: OrderRequest;
  readonly state: Omit<OrderState, 'fills'>;
  readonly fills: Fill[];
  readonly fillPrice: number;
  readonly fillStartTs: number;
  readonly slicesLeft: number;
}

interface PaperOrder {
  readonly request: OrderRequest;
  state: Omit<OrderState, 'fills'>;
  readonly fills: Fill[];
  /** Set when the order starts filling: at the market when placed, at its limit when a mark crosses it. */
  fillPrice: number;
  fillStartTs: number;
  slicesLeft: number;
}

const CLOSED = 'exchange closed';
const NOT_MARKETABLE = 'not marketable';
const TIME_IN_FORCE: ReadonlySet<string> = new Set<TimeInForce>(['ioc', 'gtc', 'alo']);
/** Relative tolerance for comparing prices and sizes computed in floating point. */
const EPS = 1e-12;

function nonNegative(name: string, value: number): number {
  if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`${name} must be >= 0, got ${value}`);
  return value;
}

function positive(value: number): boolean {
  return Number.isFinite(value) && value > 0;
}

export class PaperExchange implements Exchange {
  readonly venue = 'paper';
  readonly unknownMeansNeverSent: boolean = true;
  private readonly slippageBps: number;
  private readonly feeBps: number;
  private readonly fillSlices: number;
  private readonly fillIntervalMs: number;
  private readonly latencyMs: number;
  private readonly orders = new Map<string, PaperOrder>();
  private readonly fillLog: Fill[] = [];
  private readonly net = new Map<string, { size: number; entryPrice: number }>();
  private readonly fillSubject = new Subject<Fill>();
  /** Pending timers, each with what close() does instead of letting it fire. */
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private readonly book: VenueBook | undefined;
  /** Orders changed since the book was last written. */
  private readonly unsaved = new Set<PaperOrder>();
  private saving: Promise<void> = Promise.resolve();
  /** The latest event time seen (order ts, mark ts): when a mark without a ts happens. */
  private eventTime = Number.NEGATIVE_INFINITY;
  private closed = false;

  readonly fills: Observable<Fill> = this.fillSubject.asObservable();

  constructor(options: PaperExchangeOptions = {}) {
    this.slippageBps = nonNegative('slippageBps', options.slippageBps ?? 0);
    this.feeBps = nonNegative('feeBps', options.feeBps ?? 0);
    this.fillIntervalMs = nonNegative('fillIntervalMs', options.fillIntervalMs ?? 0);
    this.latencyMs = nonNegative('latencyMs', options.latencyMs ?? 0);
    this.fillSlices = options.fillSlices ?? 1;
    this.book = options.book;
    if (!(Number.isInteger(this.fillSlices) && this.fillSlices >= 1)) throw new RangeError(`fillSlices must be an integer >= 1, got ${this.fillSlices}`);
  }

  /** Loads the orders kept in the book (a restarted run): fills, positions and resting orders as they were. */
  async open(): Promise<void> {
    if (!this.book) return;
    const entries = [...(await this.book.load())].sort((a, b) => a.seq - b.seq);
    const fills: { fill: Fill; seq: number }[] = [];
    for (const entry of entries) {
      const r = entry.record as PaperOrderRecord;
      const order: PaperOrder = { request: r.request, state: r.state, fills: [...r.fills], fillPrice: r.fillPrice, fillStartTs: r.fillStartTs, slicesLeft: r.slicesLeft };
      this.orders.set(entry.id, order);
      for (const fill of r.fills) fills.push({ fill, seq: entry.seq });
      if (Number.isFinite(r.request.ts)) this.eventTime = Math.max(this.eventTime, r.request.ts);
    }
    fills.sort((a, b) => a.fill.ts - b.fill.ts || a.seq - b.seq);
    for (const { fill } of fills) {
      this.applyFill(fill);
      this.fillLog.push(fill);
    }
    for (const order of this.orders.values()) if (order.slicesLeft > 0 && order.state.status !== 'cancelled') this.scheduleRest(order);
  }

  /** Distinct client order ids ever placed, rejected ones included. */
  get placedCount(): number {
    return this.orders.size;
  }

  /** Every fill in the order it happened. */
  get allFills(): readonly Fill[] {
    return this.fillLog;
  }

  async place(request: OrderRequest): Promise<PlaceResult> {
    if (!(await this.answer())) return { outcome: 'rejected', reason: CLOSED };
    const seen = this.orders.get(request.clientOrderId);
    if (seen) {
      return seen.state.status === 'rejected'
        ? { outcome: 'rejected', reason: seen.state.reason ?? 'rejected' }
        : { outcome: 'confirmed', order: this.view(seen), duplicate: true };
    }
    const order: PaperOrder = { request, state: this.blankState(request), fills: [], fillPrice: 0, fillStartTs: request.ts, slicesLeft: 0 };
    this.orders.set(request.clientOrderId, order);
    this.unsaved.add(order);
    const invalid = this.validate(request);
    if (invalid) {
      order.state = { ...order.state, status: 'rejected', reason: invalid };
      await this.persist();
      return { outcome: 'rejected', reason: invalid };
    }
    if (Number.isFinite(request.ts)) this.eventTime = Math.max(this.eventTime, request.ts);
    const market = this.market(request);
    if (this.marketable(request, market)) this.startFilling(order, market, request.ts);
    else if ((request.timeInForce ?? 'ioc') === 'ioc') order.state = { ...order.state, status: 'cancelled', reason: NOT_MARKETABLE };
    // Otherwise (gtc, alo) it rests, open, until a mark crosses its limit or it is cancelled.
    await this.persist();
    return { outcome: 'confirmed', order: this.view(order), duplicate: false };
  }

  async cancel(clientOrderId: string): Promise<CancelResult> {
    if (!(await this.answer())) return { outcome: 'rejected', reason: CLOSED };
    const order = this.orders.get(clientOrderId);
    if (!order) return { outcome: 'rejected', reason: `unknown order ${clientOrderId}` };
    if (order.state.status === 'open' || order.state.status === 'partially-filled') {
      order.slicesLeft = 0;
      order.state = { ...order.state, status: 'cancelled' };
      this.unsaved.add(order);
      await this.persist();
    }
    return { outcome: 'confirmed', order: this.view(order) };
  }

  async order(clientOrderId: string): Promise<OrderState | undefined> {
    if (!(await this.answer())) throw this.closedError();
    const order = this.orders.get(clientOrderId);
    return order && this.view(order);
  }

  async openOrders(): Promise<readonly OrderState[]> {
    if (!(await this.answer())) throw this.closedError();
    return [...this.orders.values()]
      .filter((o) => o.state.status === 'open' || o.state.status === 'partially-filled')
      .map((o) => this.view(o));
  }

  async positions(): Promise<readonly VenuePosition[]> {
    if (!(await this.answer())) throw this.closedError();
    return [...this.net.entries()].filter(([, p]) => p.size !== 0).map(([token, p]) => ({ token, size: p.size, entryPrice: p.entryPrice }));
  }

  /**
   * The market for `token` trades at `price` (at event time `ts`, default the latest seen): every
   * resting order it reaches (buy limit >= price, sell limit <= price) starts filling at its limit.
   * Returns the fills this mark caused, in placement order. For tests and backtests.
   */
  markPrice(token: string, price: number, ts?: number): readonly Fill[] {
    if (this.closed) throw this.closedError();
    if (!positive(price)) throw new RangeError(`invalid mark price ${price} for ${token}: must be a positive finite number`);
    if (ts !== undefined) {
      if (!Number.isFinite(ts)) throw new RangeError(`invalid mark time ${ts} for ${token}: must be a finite number`);
      this.eventTime = Math.max(this.eventTime, ts);
    }
    const at = ts ?? this.eventTime;
    const caused: Fill[] = [];
    for (const order of this.orders.values()) {
      const { request, state } = order;
      if (request.token !== token || state.status !== 'open' || request.limitPrice === undefined) continue;
      const crossed = request.side === 'buy' ? price <= request.limitPrice : price >= request.limitPrice;
      if (!crossed) continue;
      const before = order.fills.length;
      this.startFilling(order, request.limitPrice, Math.max(at, request.ts));
      caused.push(...order.fills.slice(before));
    }
    return caused;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.persist().catch(() => undefined);
    for (const [timer, instead] of this.timers) {
      clearTimeout(timer);
      instead();
    }
    this.timers.clear();
    this.fillSubject.complete();
  }

  private validate(request: OrderRequest): string | undefined {
    if (!positive(request.size)) return `invalid size ${request.size}: must be a positive finite number`;
    if (!positive(request.price)) return `invalid price ${request.price}: must be a positive finite number`;
    const { limitPrice } = request;
    if (limitPrice !== undefined && !positive(limitPrice)) return `invalid limit price ${limitPrice}: must be a positive finite number`;
    const tif = request.timeInForce ?? 'ioc';
    if (!TIME_IN_FORCE.has(tif)) return `invalid time in force ${JSON.stringify(tif)}: must be ioc, gtc or alo`;
    if (tif === 'alo') {
      if (limitPrice === undefined) return 'a post-only (alo) order needs a limit price';
      const market = this.market(request);
      if (this.marketable(request, market)) return `post-only (alo) ${request.side} limit ${limitPrice} would take liquidity at ${market}`;
    }
    if (request.reduceOnly) {
      const held = this.net.get(request.token)?.size ?? 0;
      if (request.size > this.reducible(request) * (1 + EPS)) return `reduce-only ${request.side} of ${request.size} would not reduce position ${held}`;
    }
    return undefined;
  }

  private blankState(request: OrderRequest): Omit<OrderState, 'fills'> {
    return {
      clientOrderId: request.clientOrderId,
      token: request.token,
      side: request.side,
      size: request.size,
      filledSize: 0,
      status: 'open',
      venueOrderId: `paper-${this.orders.size + 1}`,
    };
  }

  private view(order: PaperOrder): OrderState {
    return { ...order.state, fills: [...order.fills] };
  }

  /** The reference price moved against the taker by the slippage. */
  private market(request: OrderRequest): number {
    const slip = this.slippageBps / 1e4;
    return request.side === 'buy' ? request.price * (1 + slip) : request.price * (1 - slip);
  }

  private marketable(request: OrderRequest, market: number): boolean {
    const { limitPrice } = request;
    if (limitPrice === undefined) return true;
    return request.side === 'buy' ? limitPrice >= market * (1 - EPS) : limitPrice <= market * (1 + EPS);
  }

  /** How much of the position on the order's token an order on its side would reduce. */
  private reducible(request: OrderRequest): number {
    const held = this.net.get(request.token)?.size ?? 0;
    return held !== 0 && (held > 0) === (request.side === 'sell') ? Math.abs(held) : 0;
  }

  private startFilling(order: PaperOrder, price: number, ts: number): void {
    order.fillPrice = price;
    order.fillStartTs = ts;
    order.slicesLeft = this.fillSlices;
    this.fillSlice(order);
    if (order.slicesLeft > 0) this.scheduleRest(order);
  }

  /** Fills the next slice of an order (a reduce-only one at most what still reduces), books it and streams it. */
  private fillSlice(order: PaperOrder): void {
    const { request } = order;
    this.unsaved.add(order);
    const n = this.fillSlices - order.slicesLeft + 1;
    order.slicesLeft -= 1;
    const planned = order.slicesLeft === 0 ? request.size - order.state.filledSize : request.size / this.fillSlices;
    let size = planned;
    let capped = false;
    if (request.reduceOnly) {
      const left = this.reducible(request);
      if (left === 0) {
        order.slicesLeft = 0;
        order.state = { ...order.state, status: 'cancelled', reason: 'reduce-only: no position left to reduce' };
        return;
      }
      if (planned > left * (1 + EPS)) {
        size = left;
        capped = true;
        order.slicesLeft = 0;
      }
    }
    const fill: Fill = {
      fillId: `${request.clientOrderId}:${n}`,
      clientOrderId: request.clientOrderId,
      token: request.token,
      side: request.side,
      size,
      price: order.fillPrice,
      fee: (size * order.fillPrice * this.feeBps) / 1e4,
      ts: order.fillStartTs + (n - 1) * this.fillIntervalMs,
    };
    const filledSize = order.state.filledSize + size;
    const status = order.slicesLeft === 0 ? 'filled' : 'partially-filled';
    order.state = { ...order.state, filledSize, status, ...(capped ? { reason: `reduce-only: capped at ${filledSize}, the position left to reduce` } : {}) };
    this.applyFill(fill);
    order.fills.push(fill);
    this.fillLog.push(fill);
    this.fillSubject.next(fill);
  }

  private scheduleRest(order: PaperOrder): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.closed || order.slicesLeft === 0 || order.state.status === 'cancelled') return;
      this.fillSlice(order);
      this.persist().catch(() => undefined); // kept unsaved; the next answer writes it again
      if (order.slicesLeft > 0) this.scheduleRest(order);
    }, this.fillIntervalMs);
    this.timers.set(timer, () => {});
  }

  private applyFill(fill: Fill): void {
    const prev = this.net.get(fill.token) ?? { size: 0, entryPrice: 0 };
    const delta = fill.side === 'buy' ? fill.size : -fill.size;
    const size = prev.size + delta;
    const grows = prev.size === 0 || Math.sign(delta) === Math.sign(prev.size);
    const entryPrice = grows
      ? (Math.abs(prev.size) * prev.entryPrice + fill.size * fill.price) / Math.abs(size)
      : Math.sign(size) === Math.sign(prev.size) ? prev.entryPrice : size === 0 ? 0 : fill.price;
    this.net.set(fill.token, { size: Math.abs(size) < EPS ? 0 : size, entryPrice });
  }

  /** Writes the orders changed since the last write to the book, in order; resolves once durable. */
  private persist(): Promise<void> {
    const book = this.book;
    if (!book) {
      this.unsaved.clear(); // nothing keeps them: no need to remember what changed
      return this.saving;
    }
    if (this.unsaved.size === 0) return this.saving;
    const batch = [...this.unsaved];
    this.unsaved.clear();
    const entries = batch.map((o) => ({ id: o.request.clientOrderId, seq: Number(o.state.venueOrderId?.slice('paper-'.length)), record: recordOf(o) }));
    const write = this.saving
      .catch(() => undefined)
      .then(() => book.save(entries))
      .catch((err: unknown) => {
        for (const o of batch) this.unsaved.add(o);
        throw err;
      });
    this.saving = write;
    return write;
  }

  /** Waits out the latency; false when the exchange is (or was meanwhile) closed, so the call must not act. */
  private async answer(): Promise<boolean> {
    if (this.latencyMs > 0 && !this.closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          resolve();
        }, this.latencyMs);
        this.timers.set(timer, resolve);
      });
    } else {
      await Promise.resolve();
    }
    return !this.closed;
  }

  private closedError(): ExchangeUnavailableError {
    return new ExchangeUnavailableError(this.venue, CLOSED);
  }
}

function recordOf(order: PaperOrder): PaperOrderRecord {
  const { request, state, fills, fillPrice, fillStartTs, slicesLeft } = order;
  return { request, state, fills, fillPrice, fillStartTs, slicesLeft };
}
