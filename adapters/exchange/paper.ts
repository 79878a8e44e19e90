// Paper exchange: an in-memory venue for paper trading and backtests. Orders fill at the reference
// price moved against the taker by slippageBps (or at the limit price if that is better), with
// fee = notional * feeBps / 1e4. By default an order fills at once, in full, in the place answer.
// `fillSlices` > 1 splits it into partial fills: the first comes with the answer, the rest arrive
// on `fills` every `fillIntervalMs`. `latencyMs` delays every answer. Client order ids are
// idempotent: placing a known id again returns the stored order with duplicate: true.
import { Subject, type Observable } from 'rxjs';
import type {
  CancelResult,
  Exchange,
  Fill,
  OrderRequest,
  OrderState,
  PlaceResult,
  VenuePosition,
} from '../../runtime/ports/exchange.js';

export interface PaperExchangeOptions {
  readonly slippageBps?: number;
  readonly feeBps?: number;
  /** Number of equal partial fills per order (default 1: filled in full at once). */
  readonly fillSlices?: number;
  /** Delay between partial fills after the first (default 0). */
  readonly fillIntervalMs?: number;
  /** Delay before each answer (default 0). */
  readonly latencyMs?: number;
}

interface PaperOrder {
  state: OrderState;
  readonly request: OrderRequest;
  readonly fillPrice: number;
  slicesLeft: number;
}

function nonNegative(name: string, value: number): number {
  if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`${name} must be >= 0, got ${value}`);
  return value;
}

export class PaperExchange implements Exchange {
  readonly venue = 'paper';
  private readonly slippageBps: number;
  private readonly feeBps: number;
  private readonly fillSlices: number;
  private readonly fillIntervalMs: number;
  private readonly latencyMs: number;
  private readonly orders = new Map<string, PaperOrder>();
  private readonly fillLog: Fill[] = [];
  private readonly net = new Map<string, { size: number; entryPrice: number }>();
  private readonly fillSubject = new Subject<Fill>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  readonly fills: Observable<Fill> = this.fillSubject.asObservable();

  constructor(options: PaperExchangeOptions = {}) {
    this.slippageBps = nonNegative('slippageBps', options.slippageBps ?? 0);
    this.feeBps = nonNegative('feeBps', options.feeBps ?? 0);
    this.fillIntervalMs = nonNegative('fillIntervalMs', options.fillIntervalMs ?? 0);
    this.latencyMs = nonNegative('latencyMs', options.latencyMs ?? 0);
    this.fillSlices = options.fillSlices ?? 1;
    if (!(Number.isInteger(this.fillSlices) && this.fillSlices >= 1)) throw new RangeError(`fillSlices must be an integer >= 1, got ${this.fillSlices}`);
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
    await this.delay();
    const seen = this.orders.get(request.clientOrderId);
    if (seen) {
      return seen.state.status === 'rejected'
        ? { outcome: 'rejected', reason: seen.state.reason ?? 'rejected' }
        : { outcome: 'confirmed', order: seen.state, duplicate: true };
    }
    const invalid = this.validate(request);
    if (invalid) {
      this.orders.set(request.clientOrderId, {
        request,
        fillPrice: 0,
        slicesLeft: 0,
        state: { ...this.blankState(request), status: 'rejected', reason: invalid },
      });
      return { outcome: 'rejected', reason: invalid };
    }
    const order: PaperOrder = { request, fillPrice: this.fillPrice(request), slicesLeft: this.fillSlices, state: this.blankState(request) };
    this.orders.set(request.clientOrderId, order);
    const first = this.fillSlice(order);
    if (order.slicesLeft > 0) this.scheduleRest(order);
    return { outcome: 'confirmed', order: { ...order.state, fills: [first] }, duplicate: false };
  }

  async cancel(clientOrderId: string): Promise<CancelResult> {
    await this.delay();
    const order = this.orders.get(clientOrderId);
    if (!order) return { outcome: 'rejected', reason: `unknown order ${clientOrderId}` };
    if (order.state.status === 'open' || order.state.status === 'partially-filled') {
      order.slicesLeft = 0;
      order.state = { ...order.state, status: 'cancelled' };
    }
    return { outcome: 'confirmed', order: order.state };
  }

  async order(clientOrderId: string): Promise<OrderState | undefined> {
    await this.delay();
    const order = this.orders.get(clientOrderId);
    if (!order) return undefined;
    return { ...order.state, fills: this.fillLog.filter((f) => f.clientOrderId === clientOrderId) };
  }

  async openOrders(): Promise<readonly OrderState[]> {
    await this.delay();
    return [...this.orders.values()]
      .map((o) => o.state)
      .filter((s) => s.status === 'open' || s.status === 'partially-filled');
  }

  async positions(): Promise<readonly VenuePosition[]> {
    await this.delay();
    return [...this.net.entries()].filter(([, p]) => p.size !== 0).map(([token, p]) => ({ token, size: p.size, entryPrice: p.entryPrice }));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.fillSubject.complete();
  }

  private validate(request: OrderRequest): string | undefined {
    if (!(Number.isFinite(request.size) && request.size > 0)) return `invalid size ${request.size}: must be a positive finite number`;
    if (!(Number.isFinite(request.price) && request.price > 0)) return `invalid price ${request.price}: must be a positive finite number`;
    if (request.reduceOnly) {
      const held = this.net.get(request.token)?.size ?? 0;
      const reduces = held !== 0 && (held > 0) === (request.side === 'sell') && request.size <= Math.abs(held) * (1 + 1e-12);
      if (!reduces) return `reduce-only ${request.side} of ${request.size} would not reduce position ${held}`;
    }
    return undefined;
  }

  private blankState(request: OrderRequest): OrderState {
    return {
      clientOrderId: request.clientOrderId,
      token: request.token,
      side: request.side,
      size: request.size,
      filledSize: 0,
      status: 'open',
      fills: [],
      venueOrderId: `paper-${this.orders.size + 1}`,
    };
  }

  private fillPrice(request: OrderRequest): number {
    const slip = this.slippageBps / 1e4;
    const market = request.side === 'buy' ? request.price * (1 + slip) : request.price * (1 - slip);
    if (request.limitPrice === undefined) return market;
    return request.side === 'buy' ? Math.min(market, request.limitPrice) : Math.max(market, request.limitPrice);
  }

  /** Fills the next slice of an order, books it and streams it. */
  private fillSlice(order: PaperOrder): Fill {
    const n = this.fillSlices - order.slicesLeft + 1;
    order.slicesLeft -= 1;
    const size = order.slicesLeft === 0 ? order.request.size - order.state.filledSize : order.request.size / this.fillSlices;
    const fill: Fill = {
      fillId: `${order.request.clientOrderId}:${n}`,
      clientOrderId: order.request.clientOrderId,
      token: order.request.token,
      side: order.request.side,
      size,
      price: order.fillPrice,
      fee: (size * order.fillPrice * this.feeBps) / 1e4,
      ts: order.request.ts + (n - 1) * this.fillIntervalMs,
    };
    const filledSize = order.state.filledSize + size;
    order.state = { ...order.state, filledSize, status: order.slicesLeft === 0 ? 'filled' : 'partially-filled' };
    this.book(fill);
    this.fillLog.push(fill);
    this.fillSubject.next(fill);
    return fill;
  }

  private scheduleRest(order: PaperOrder): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.closed || order.slicesLeft === 0 || order.state.status === 'cancelled') return;
      this.fillSlice(order);
      if (order.slicesLeft > 0) this.scheduleRest(order);
    }, this.fillIntervalMs);
    this.timers.add(timer);
  }

  private book(fill: Fill): void {
    const prev = this.net.get(fill.token) ?? { size: 0, entryPrice: 0 };
    const delta = fill.side === 'buy' ? fill.size : -fill.size;
    const size = prev.size + delta;
    const grows = prev.size === 0 || Math.sign(delta) === Math.sign(prev.size);
    const entryPrice = grows
      ? (Math.abs(prev.size) * prev.entryPrice + fill.size * fill.price) / Math.abs(size)
      : Math.sign(size) === Math.sign(prev.size) ? prev.entryPrice : size === 0 ? 0 : fill.price;
    this.net.set(fill.token, { size: Math.abs(size) < 1e-12 ? 0 : size, entryPrice });
  }

  private delay(): Promise<void> {
    if (this.latencyMs === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, this.latencyMs);
      this.timers.add(timer);
    });
  }
}
