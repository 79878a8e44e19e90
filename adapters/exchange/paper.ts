// Paper exchange: an in-memory venue for paper trading and backtests. Market orders fill at once,
// in full, at the reference price moved against the taker by slippageBps, with fee = notional *
// feeBps / 1e4. Client order ids are idempotent: a repeat returns the stored order, duplicate: true.
import type { Exchange, Fill, OrderRequest, OrderResult } from '../../runtime/ports/exchange.js';

export interface PaperExchangeOptions {
  readonly slippageBps?: number;
  readonly feeBps?: number;
}

export class PaperExchange implements Exchange {
  readonly venue = 'paper';
  private readonly slippageBps: number;
  private readonly feeBps: number;
  private readonly orders = new Map<string, OrderResult>();
  private readonly fillLog: Fill[] = [];

  constructor(options: PaperExchangeOptions = {}) {
    this.slippageBps = options.slippageBps ?? 0;
    this.feeBps = options.feeBps ?? 0;
    if (!(Number.isFinite(this.slippageBps) && this.slippageBps >= 0)) throw new RangeError(`slippageBps must be >= 0, got ${this.slippageBps}`);
    if (!(Number.isFinite(this.feeBps) && this.feeBps >= 0)) throw new RangeError(`feeBps must be >= 0, got ${this.feeBps}`);
  }

  /** Distinct client order ids ever placed, rejected ones included. */
  get placedCount(): number {
    return this.orders.size;
  }

  /** Every fill in placement order. */
  get fills(): readonly Fill[] {
    return this.fillLog;
  }

  async place(order: OrderRequest): Promise<OrderResult> {
    const seen = this.orders.get(order.clientOrderId);
    if (seen) return { ...seen, duplicate: true };

    const result = this.execute(order);
    this.orders.set(order.clientOrderId, result);
    this.fillLog.push(...result.fills);
    return result;
  }

  /** Paper orders are terminal as soon as they are placed, so a cancel returns the order as it is. */
  async cancel(clientOrderId: string): Promise<OrderResult | undefined> {
    return this.orders.get(clientOrderId);
  }

  async order(clientOrderId: string): Promise<OrderResult | undefined> {
    return this.orders.get(clientOrderId);
  }

  private execute(order: OrderRequest): OrderResult {
    const rejected = (reason: string): OrderResult => ({
      clientOrderId: order.clientOrderId,
      status: 'rejected',
      fills: [],
      reason,
      duplicate: false,
    });
    if (!(Number.isFinite(order.size) && order.size > 0)) return rejected(`invalid size ${order.size}: must be a positive finite number`);
    if (!(Number.isFinite(order.price) && order.price > 0)) return rejected(`invalid price ${order.price}: must be a positive finite number`);

    const slip = this.slippageBps / 1e4;
    const price = order.side === 'buy' ? order.price * (1 + slip) : order.price * (1 - slip);
    const fill: Fill = {
      clientOrderId: order.clientOrderId,
      token: order.token,
      side: order.side,
      size: order.size,
      price,
      fee: (order.size * price * this.feeBps) / 1e4,
      ts: order.ts,
    };
    return { clientOrderId: order.clientOrderId, status: 'filled', fills: [fill], duplicate: false };
  }
}
