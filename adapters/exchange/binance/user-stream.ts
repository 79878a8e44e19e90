// Binance spot fills as they happen, from the User Data Stream on the WebSocket API. The listenKey
// streams (POST /api/v3/userDataStream + wss://stream…/ws/<listenKey>) were retired on 2026-02-20,
// so this subscribes with `userDataStream.subscribe.signature` (works with HMAC keys, no session
// logon). executionReport events of execution type TRADE become port Fills. A dropped connection
// is re-opened with capped exponential backoff and re-subscribed; fills that happen while it is
// down are not replayed by Binance: they are recovered by `order()` (myTrades) on reconciliation.
import { Observable, Subject, share, takeUntil } from 'rxjs';
import WebSocket from 'ws';
import { z } from 'zod';
import type { Fill } from '../../../runtime/ports/exchange.js';
import { signWsParams } from './signing.js';

export interface SymbolAssets {
  readonly base: string;
  readonly quote: string;
}

/** What the stream needs to know to turn a venue symbol into a port fill. */
export interface FillContext {
  tokenOf(symbol: string): string;
  assetsOf(symbol: string): SymbolAssets | undefined;
}

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'a decimal string');

export const executionReportSchema = z.object({
  e: z.literal('executionReport'),
  s: z.string().min(1),
  c: z.string(),
  C: z.string().nullish(),
  S: z.enum(['BUY', 'SELL']),
  x: z.string(),
  X: z.string(),
  i: z.number(),
  l: decimal,
  L: decimal,
  n: decimal.nullish(),
  N: z.string().nullish(),
  T: z.number(),
  t: z.number(),
});
export type ExecutionReport = z.infer<typeof executionReportSchema>;

/**
 * Commission in the quote currency. Binance charges it in whatever asset the account pays with:
 * the quote asset (taken as is), the base asset (converted at the fill price, exact), or a third
 * asset such as BNB, which cannot be converted without a price feed: then the raw amount is kept,
 * in that asset's units, and the fee is understated or overstated accordingly.
 */
export function feeInQuote(commission: number, commissionAsset: string | null | undefined, price: number, assets: SymbolAssets | undefined): number {
  if (!Number.isFinite(commission) || commission === 0 || !commissionAsset) return 0;
  if (assets && commissionAsset === assets.base) return commission * price;
  return commission;
}

/** The client order id an execution report belongs to: `C` on cancel reports, `c` otherwise. */
export function reportClientOrderId(report: Pick<ExecutionReport, 'x' | 'c' | 'C'>): string {
  return report.x === 'CANCELED' && report.C ? report.C : report.c;
}

/** A TRADE execution report as a port fill; undefined for every other execution type. */
export function executionReportToFill(report: ExecutionReport, context: FillContext): Fill | undefined {
  if (report.x !== 'TRADE') return undefined;
  const price = Number(report.L);
  return {
    fillId: `${report.s}:${report.t}`,
    clientOrderId: reportClientOrderId(report),
    token: context.tokenOf(report.s),
    side: report.S === 'BUY' ? 'buy' : 'sell',
    size: Number(report.l),
    price,
    fee: feeInQuote(Number(report.n ?? 0), report.N, price, context.assetsOf(report.s)),
    ts: report.T,
  };
}

export interface BinanceUserStreamOptions {
  /** WebSocket API endpoint, e.g. wss://ws-api.testnet.binance.vision/ws-api/v3. */
  readonly url: string;
  readonly apiKey: () => string;
  readonly apiSecret: () => string;
  /** Now on the venue's clock (the REST client's, corrected after a -1021). */
  readonly venueTime: () => number;
  /** Called when the venue refuses the subscription's timestamp (-1021). */
  readonly resyncClock?: () => Promise<unknown>;
  readonly context: FillContext;
  /** First reconnect delay; doubles per failed attempt up to reconnectMaxMs. Default 250 ms. */
  readonly reconnectMinMs?: number;
  /** Default 30 s. */
  readonly reconnectMaxMs?: number;
  /** A ping goes out this often; no pong by the next one and the connection is dropped. Default 30 s. */
  readonly heartbeatMs?: number;
  /** Connect + subscribe must complete within this. Default 10 s. */
  readonly subscribeTimeoutMs?: number;
}

export interface UserStreamStatus {
  /** Subscribed and receiving events. */
  readonly subscribed: boolean;
  /** Successful subscriptions, the first one included. */
  readonly subscriptions: number;
  /** Connections lost and re-opened. */
  readonly reconnects: number;
  /** Messages that were not valid JSON or not a known event shape. */
  readonly malformed: number;
  readonly lastError?: string;
}

interface MutableStatus {
  subscribed: boolean;
  subscriptions: number;
  reconnects: number;
  malformed: number;
  lastError?: string;
}

const streamMessageSchema = z.object({
  id: z.union([z.string(), z.number()]).nullish(),
  status: z.number().optional(),
  error: z.object({ code: z.number(), msg: z.string() }).optional(),
  event: z.object({ e: z.string() }).loose().optional(),
});

const INVALID_TIMESTAMP = -1021;

export class BinanceUserStream {
  /** Shared by all subscribers: one connection while anyone listens; completes on close(). */
  readonly fills: Observable<Fill>;
  private readonly closed$ = new Subject<void>();
  private readonly sessions = new Set<StreamSession>();
  private readonly state: MutableStatus = { subscribed: false, subscriptions: 0, reconnects: 0, malformed: 0 };
  private closed = false;

  constructor(private readonly options: BinanceUserStreamOptions) {
    if (!/^wss?:\/\//.test(options.url)) throw new TypeError(`user stream url must be a ws(s) URL, got ${JSON.stringify(options.url)}`);
    this.fills = new Observable<Fill>((subscriber) => {
      if (this.closed) {
        subscriber.complete();
        return undefined;
      }
      const session = new StreamSession(this.options, this.state, (fill) => subscriber.next(fill));
      this.sessions.add(session);
      session.start();
      return () => {
        session.stop();
        this.sessions.delete(session);
      };
    }).pipe(takeUntil(this.closed$), share());
  }

  get status(): UserStreamStatus {
    return { ...this.state };
  }

  /** Completes the fills stream and stops connections and timers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closed$.next();
    this.closed$.complete();
    for (const session of this.sessions) session.stop();
    this.sessions.clear();
  }
}

/** One connection at a time, re-opened until stopped. */
class StreamSession {
  private socket: WebSocket | undefined;
  private stopped = false;
  private failures = 0;
  private requestSeq = 0;
  private pendingId: string | undefined;
  private awaitingPong = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private subscribeTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly minDelay: number;
  private readonly maxDelay: number;

  constructor(
    private readonly options: BinanceUserStreamOptions,
    private readonly state: MutableStatus,
    private readonly emit: (fill: Fill) => void,
  ) {
    this.minDelay = options.reconnectMinMs ?? 250;
    this.maxDelay = options.reconnectMaxMs ?? 30_000;
  }

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.state.subscribed = false;
    this.clearTimers();
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const socket = this.socket;
    this.socket = undefined;
    socket?.terminate();
  }

  private connect(): void {
    if (this.stopped) return;
    const socket = new WebSocket(this.options.url, { handshakeTimeout: this.options.subscribeTimeoutMs ?? 10_000 });
    this.socket = socket;
    this.subscribeTimer = setTimeout(() => this.drop(socket, 'no subscription within the timeout'), this.options.subscribeTimeoutMs ?? 10_000);
    socket.on('open', () => this.subscribe(socket));
    socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => this.onMessage(socket, data, isBinary));
    socket.on('pong', () => {
      this.awaitingPong = false;
    });
    socket.on('error', (error: Error) => {
      this.state.lastError = `user stream: ${error.message}`;
    });
    socket.on('close', () => this.onClose(socket));
  }

  private subscribe(socket: WebSocket): void {
    let request: string;
    try {
      const params = { apiKey: this.options.apiKey(), timestamp: this.options.venueTime() };
      this.pendingId = `uds-${++this.requestSeq}`;
      request = JSON.stringify({
        id: this.pendingId,
        method: 'userDataStream.subscribe.signature',
        params: { ...params, signature: signWsParams(params, this.options.apiSecret()) },
      });
    } catch (error) {
      this.drop(socket, `could not sign the subscription (${error instanceof Error ? error.name : 'error'})`);
      return;
    }
    socket.send(request);
    this.startHeartbeat(socket);
  }

  private onMessage(socket: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
    if (socket !== this.socket) return;
    const parsed = isBinary ? undefined : safeJson(data.toString());
    const message = streamMessageSchema.safeParse(parsed);
    if (!message.success) {
      this.state.malformed += 1;
      return;
    }
    const { id, status, error, event } = message.data;
    if (id !== undefined && id !== null && String(id) === this.pendingId) {
      this.pendingId = undefined;
      clearTimeout(this.subscribeTimer);
      if (status === 200) {
        this.failures = 0;
        this.state.subscribed = true;
        this.state.subscriptions += 1;
      } else {
        if (error?.code === INVALID_TIMESTAMP) void this.options.resyncClock?.().catch(() => undefined);
        this.drop(socket, `subscription refused: ${status ?? '?'} ${error ? `${error.code} ${error.msg}` : ''}`.trim());
      }
      return;
    }
    if (!event) return;
    if (event.e === 'executionReport') {
      const report = executionReportSchema.safeParse(event);
      if (!report.success) {
        this.state.malformed += 1;
        return;
      }
      const fill = executionReportToFill(report.data, this.options.context);
      if (fill) this.emit(fill);
    } else if (event.e === 'eventStreamTerminated' || event.e === 'serverShutdown') {
      this.drop(socket, `venue ended the stream (${event.e})`);
    }
  }

  private onClose(socket: WebSocket): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    this.state.subscribed = false;
    this.clearTimers();
    if (this.stopped) return;
    const delay = Math.min(this.maxDelay, this.minDelay * 2 ** this.failures);
    this.failures += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.state.reconnects += 1;
      this.connect();
    }, delay);
  }

  private startHeartbeat(socket: WebSocket): void {
    this.awaitingPong = false;
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      if (this.awaitingPong) {
        this.drop(socket, 'no pong: connection presumed dead');
        return;
      }
      this.awaitingPong = true;
      socket.ping();
    }, this.options.heartbeatMs ?? 30_000);
  }

  private drop(socket: WebSocket, reason: string): void {
    this.state.lastError = `user stream: ${reason}`;
    socket.terminate();
  }

  private clearTimers(): void {
    clearTimeout(this.subscribeTimer);
    clearInterval(this.heartbeat);
    this.subscribeTimer = undefined;
    this.heartbeat = undefined;
    this.pendingId = undefined;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
