// Hyperliquid's user stream: one WebSocket to <base>/ws subscribed to the user's fills and order
// updates. It pings to stay alive, reconnects with capped exponential backoff and subscribes again
// after every reconnect. The first userFills message after a subscribe is a snapshot of recent
// fills; it is passed on too, because it holds the fills missed while disconnected (consumers
// dedupe by fillId).
import type { Logger } from 'pino';
import { Subject, type Observable } from 'rxjs';
import WebSocket from 'ws';
import { z } from 'zod';
import type { Fill } from '../../../runtime/ports/exchange.js';
import { silentLogger } from '../../../runtime/ports/logger.js';
import { WireFill, fillFromWire } from './wire.js';

export interface WsOrderUpdate {
  readonly coin: string;
  readonly oid: number;
  readonly cloid?: string;
  readonly status: string;
  readonly statusTimestamp: number;
}

export interface HyperliquidWsFeedOptions {
  /** e.g. ws://127.0.0.1:1234/ws */
  readonly url: string;
  readonly user: string;
  readonly coinToToken?: (coin: string) => string;
  /** The venue drops a connection silent for 60 s. Default 50 000. */
  readonly pingIntervalMs?: number;
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  readonly logger?: Logger;
}

const WsMessage = z.discriminatedUnion('channel', [
  z.object({ channel: z.literal('subscriptionResponse'), data: z.object({ subscription: z.object({ type: z.string() }).loose() }).loose() }),
  z.object({ channel: z.literal('pong') }),
  z.object({ channel: z.literal('error'), data: z.unknown() }),
  z.object({ channel: z.literal('userFills'), data: z.object({ isSnapshot: z.boolean().optional(), fills: z.array(WireFill) }) }),
  z.object({
    channel: z.literal('orderUpdates'),
    data: z.array(
      z.object({
        order: z.object({ coin: z.string(), oid: z.number().int(), cloid: z.string().nullish() }),
        status: z.string(),
        statusTimestamp: z.number(),
      }),
    ),
  }),
]);

const SUBSCRIPTIONS = ['userFills', 'orderUpdates'] as const;

export class HyperliquidWsFeed {
  private readonly fillSubject = new Subject<Fill>();
  private readonly orderSubject = new Subject<WsOrderUpdate>();
  readonly fills: Observable<Fill> = this.fillSubject.asObservable();
  readonly orderUpdates: Observable<WsOrderUpdate> = this.orderSubject.asObservable();

  private readonly pingIntervalMs: number;
  private readonly reconnectMinMs: number;
  private readonly reconnectMaxMs: number;
  private readonly coinToToken: (coin: string) => string;
  private readonly log: Logger;
  private socket: WebSocket | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private started = false;
  private closed = false;
  private failures = 0;
  private lastMessageAt = 0;
  private acked = new Set<string>();
  private connectionCount = 0;

  constructor(private readonly options: HyperliquidWsFeedOptions) {
    this.pingIntervalMs = options.pingIntervalMs ?? 50_000;
    this.reconnectMinMs = options.reconnectMinMs ?? 250;
    this.reconnectMaxMs = options.reconnectMaxMs ?? 30_000;
    for (const [name, value] of Object.entries({ pingIntervalMs: this.pingIntervalMs, reconnectMinMs: this.reconnectMinMs, reconnectMaxMs: this.reconnectMaxMs })) {
      if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${name} must be > 0, got ${value}`);
    }
    this.coinToToken = options.coinToToken ?? ((coin) => coin);
    this.log = options.logger ?? silentLogger;
  }

  /** Both subscriptions acknowledged on the current connection. */
  get subscribed(): boolean {
    return SUBSCRIPTIONS.every((type) => this.acked.has(type));
  }

  /** Connections opened so far (1 + reconnects). */
  get connections(): number {
    return this.connectionCount;
  }

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.connect();
  }

  /** Stops reconnecting, clears timers, closes the socket and completes the streams. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    const socket = this.socket;
    this.socket = undefined;
    if (socket && socket.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.terminate();
      });
    }
    this.fillSubject.complete();
    this.orderSubject.complete();
  }

  private connect(): void {
    const socket = new WebSocket(this.options.url);
    this.socket = socket;
    this.acked = new Set();
    socket.on('open', () => this.onOpen(socket));
    socket.on('message', (data) => this.onMessage(data.toString()));
    socket.on('error', (error) => this.log.warn({ err: error.message, url: this.options.url }, 'hyperliquid ws error'));
    socket.on('close', (code) => this.onClose(socket, code));
  }

  private onOpen(socket: WebSocket): void {
    this.connectionCount += 1;
    this.lastMessageAt = Date.now();
    for (const type of SUBSCRIPTIONS) {
      socket.send(JSON.stringify({ method: 'subscribe', subscription: { type, user: this.options.user } }));
    }
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => this.ping(socket), this.pingIntervalMs);
  }

  private ping(socket: WebSocket): void {
    // No pong (or anything) for two intervals: the connection is dead even if TCP has not noticed.
    if (Date.now() - this.lastMessageAt > 2 * this.pingIntervalMs) {
      this.log.warn({ url: this.options.url }, 'hyperliquid ws silent, reconnecting');
      socket.terminate();
      return;
    }
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ method: 'ping' }));
  }

  private onClose(socket: WebSocket, code: number): void {
    if (socket !== this.socket) return;
    clearInterval(this.pingTimer);
    this.pingTimer = undefined;
    this.socket = undefined;
    this.acked = new Set();
    if (this.closed) return;
    const delay = Math.min(this.reconnectMaxMs, this.reconnectMinMs * 2 ** this.failures);
    this.failures += 1;
    this.log.warn({ code, delayMs: delay, url: this.options.url }, 'hyperliquid ws closed, reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.closed) this.connect();
    }, delay);
  }

  private onMessage(text: string): void {
    this.lastMessageAt = Date.now();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.log.warn({ message: text.slice(0, 500) }, 'hyperliquid ws: unreadable message');
      return;
    }
    const channel = (json as { channel?: unknown } | null)?.channel;
    if (!['subscriptionResponse', 'pong', 'error', 'userFills', 'orderUpdates'].includes(channel as string)) return; // other channels: not ours
    const parsed = WsMessage.safeParse(json);
    if (!parsed.success) {
      this.log.warn({ channel, issues: parsed.error.issues.slice(0, 5), message: text.slice(0, 500) }, 'hyperliquid ws: malformed message');
      return;
    }
    const message = parsed.data;
    switch (message.channel) {
      case 'subscriptionResponse':
        this.acked.add(message.data.subscription.type);
        if (this.subscribed) this.failures = 0;
        return;
      case 'pong':
        return;
      case 'error':
        this.log.warn({ data: message.data }, 'hyperliquid ws: venue reported an error');
        return;
      case 'userFills':
        for (const fill of message.data.fills) this.fillSubject.next(fillFromWire(fill, this.coinToToken(fill.coin)));
        return;
      case 'orderUpdates':
        for (const update of message.data) {
          this.orderSubject.next({
            coin: update.order.coin,
            oid: update.order.oid,
            ...(update.order.cloid ? { cloid: update.order.cloid } : {}),
            status: update.status,
            statusTimestamp: update.statusTimestamp,
          });
        }
        return;
    }
  }
}
