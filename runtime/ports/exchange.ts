// The Exchange port: where orders go. Every order carries a client order id derived from the signal
// that caused it. A place or cancel ends in one of three outcomes: confirmed (the venue has it),
// rejected (the venue refused it, or it never left: nothing happened), or unresolved (timeout,
// disconnect, 5xx: it may or may not exist). An unresolved order is never sent again; it is looked
// up by its client order id until the venue says what became of it.
import type { Observable } from 'rxjs';

export type OrderSide = 'buy' | 'sell';
export type TimeInForce = 'ioc' | 'gtc' | 'alo';

export interface OrderRequest {
  readonly clientOrderId: string;
  readonly token: string;
  readonly side: OrderSide;
  readonly size: number;
  /** Reference price (the signal's tick price); slippage is measured against it. */
  readonly price: number;
  readonly reduceOnly: boolean;
  /** Event time of the request. */
  readonly ts: number;
  /**
   * Limit price. Absent: a marketable order, sent as an IOC limit at the reference price moved
   * against the taker by the adapter's maximum slippage.
   */
  readonly limitPrice?: number;
  /** Default 'ioc'. */
  readonly timeInForce?: TimeInForce;
}

export interface Fill {
  /** Unique per venue (trade id); fills are booked exactly once by this id. */
  readonly fillId: string;
  readonly clientOrderId: string;
  readonly token: string;
  readonly side: OrderSide;
  readonly size: number;
  readonly price: number;
  /** Fee in the quote currency (negative for a maker rebate). */
  readonly fee: number;
  readonly ts: number;
}

export type OrderStatus = 'open' | 'partially-filled' | 'filled' | 'cancelled' | 'rejected';

/** What the venue knows of one order. */
export interface OrderState {
  readonly clientOrderId: string;
  readonly token: string;
  readonly side: OrderSide;
  readonly size: number;
  readonly filledSize: number;
  readonly status: OrderStatus;
  /** The fills the venue reported with this answer (possibly none yet: they may come on `fills`). */
  readonly fills: readonly Fill[];
  readonly venueOrderId?: string;
  readonly reason?: string;
}

export type PlaceResult =
  | { readonly outcome: 'confirmed'; readonly order: OrderState; /** The venue already had this client order id. */ readonly duplicate: boolean }
  | {
      readonly outcome: 'rejected';
      readonly reason: string;
      /** Venue error code, when there is one (e.g. Binance -2010). */
      readonly code?: string;
      /** Rate limited: the venue asks to wait this long before the next request. */
      readonly retryAfterMs?: number;
      /** The venue has stopped taking requests from us (e.g. Binance 418 IP ban): stop trading. */
      readonly halt?: boolean;
    }
  | { readonly outcome: 'unresolved'; readonly reason: string };

export type CancelResult =
  | { readonly outcome: 'confirmed'; readonly order?: OrderState }
  | { readonly outcome: 'rejected'; readonly reason: string; readonly code?: string }
  | { readonly outcome: 'unresolved'; readonly reason: string };

export interface VenuePosition {
  readonly token: string;
  /** Signed: long > 0, short < 0. */
  readonly size: number;
  readonly entryPrice: number;
}

export interface Exchange {
  readonly venue: string;
  /**
   * No request of a process that died can still reach this venue, and it keeps every client order
   * id it was given (the in-process paper venue): an order journaled but unknown to it was never
   * received and may be sent. False for a remote venue: such an order is never sent again.
   */
  readonly unknownMeansNeverSent: boolean;
  /** Never throws for a venue or transport failure: that is an outcome. */
  place(order: OrderRequest): Promise<PlaceResult>;
  cancel(clientOrderId: string, token: string): Promise<CancelResult>;
  /** The order by client order id, undefined when the venue has never seen it. Throws ExchangeUnavailableError when the venue cannot be asked. */
  order(clientOrderId: string, token: string): Promise<OrderState | undefined>;
  /** Throws ExchangeUnavailableError when the venue cannot be asked. */
  openOrders(): Promise<readonly OrderState[]>;
  /** Throws ExchangeUnavailableError when the venue cannot be asked. */
  positions(): Promise<readonly VenuePosition[]>;
  /** Fills as the venue streams them (may repeat a fill already returned by place or order). */
  readonly fills: Observable<Fill>;
  /** Closes connections and timers. */
  close(): Promise<void>;
}

/** The venue could not be asked or did not answer (timeout, disconnect, 5xx). */
export class ExchangeUnavailableError extends Error {
  override readonly name = 'ExchangeUnavailableError';
  constructor(
    readonly venue: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${venue}: ${message}`, options);
  }
}

/** The venue refuses every request (IP ban, account halted): nothing should be sent until an operator looks. */
export class ExchangeHaltedError extends Error {
  override readonly name = 'ExchangeHaltedError';
  constructor(
    readonly venue: string,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(`${venue}: ${message}`);
  }
}
