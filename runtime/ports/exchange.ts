// The Exchange port: where orders go. Client order ids are deterministic, derived from the signal
// that caused the order, so placing the same order twice returns the first order, never a second.

export type OrderSide = 'buy' | 'sell';

export interface OrderRequest {
  readonly clientOrderId: string;
  readonly token: string;
  readonly side: OrderSide;
  readonly size: number;
  /** Reference price (the signal's tick price); market orders fill around it. */
  readonly price: number;
  readonly reduceOnly: boolean;
  /** Event time of the request. */
  readonly ts: number;
}

export interface Fill {
  readonly clientOrderId: string;
  readonly token: string;
  readonly side: OrderSide;
  readonly size: number;
  readonly price: number;
  readonly fee: number;
  readonly ts: number;
}

export type OrderStatus = 'filled' | 'rejected' | 'open' | 'cancelled';

export interface OrderResult {
  readonly clientOrderId: string;
  readonly status: OrderStatus;
  readonly fills: readonly Fill[];
  readonly reason?: string;
  /** True when this client order id had been placed before and the stored order was returned. */
  readonly duplicate: boolean;
}

export interface Exchange {
  readonly venue: string;
  place(order: OrderRequest): Promise<OrderResult>;
  cancel(clientOrderId: string): Promise<OrderResult | undefined>;
  order(clientOrderId: string): Promise<OrderResult | undefined>;
}
