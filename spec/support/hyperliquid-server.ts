// A local Hyperliquid for specs: POST /info and /exchange plus the /ws user stream, in the venue's
// shapes. It verifies every action's EIP-712 signature against the expected signer, keeps orders by
// cloid (a second order with a known cloid is refused), fills marketable orders at once at the mid,
// rests the others, and streams fills and order updates. Fault controls make it answer 500, hang,
// or drop the connection (with or without acting on the request first), and drop WebSocket clients.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getAddress, verifyTypedData } from 'ethers';
import { WebSocketServer, WebSocket } from 'ws';
import { AGENT_TYPES, L1_DOMAIN, actionHash, phantomAgent } from '../../adapters/exchange/hyperliquid/signing.js';

export interface TestAsset {
  readonly name: string;
  readonly szDecimals: number;
}

export interface HyperliquidTestServerOptions {
  /** The address whose signatures are accepted; it is also the account traded. */
  readonly signer: string;
  /** Expect phantom-agent source "a" (mainnet) instead of "b" (testnet). Default false. */
  readonly mainnet?: boolean;
  readonly universe?: readonly TestAsset[];
  readonly mids?: Readonly<Record<string, number>>;
  /** Fee rate on a taker fill's notional. Default 0.00045. */
  readonly takerFeeRate?: number;
  /** Fee rate on a maker fill's notional (negative for a rebate). Default 0.00015. */
  readonly makerFeeRate?: number;
}

export type Endpoint = 'exchange' | 'info';

export interface FaultOptions {
  /** Which endpoint the fault hits. Default 'exchange'. */
  readonly endpoint?: Endpoint;
  /** Act on the request (record the order) before failing to answer. */
  readonly process?: boolean;
}

type Fault =
  | { kind: 'status'; status: number; headers: Record<string, string>; process: boolean }
  | { kind: 'hang'; process: boolean }
  | { kind: 'destroy'; process: boolean };

interface VenueOrder {
  readonly oid: number;
  readonly cloid?: string;
  readonly user: string;
  readonly coin: string;
  readonly asset: number;
  readonly side: 'B' | 'A';
  readonly limitPx: string;
  readonly origSz: number;
  sz: number;
  readonly tif: string;
  readonly reduceOnly: boolean;
  readonly timestamp: number;
  status: string;
  statusTimestamp: number;
}

interface VenueFill {
  readonly coin: string;
  readonly px: string;
  readonly sz: string;
  readonly side: 'B' | 'A';
  readonly time: number;
  readonly startPosition: string;
  readonly dir: string;
  readonly closedPnl: string;
  readonly hash: string;
  readonly oid: number;
  readonly crossed: boolean;
  readonly fee: string;
  readonly tid: number;
  readonly feeToken: string;
  readonly cloid?: string;
}

interface Position {
  szi: number;
  entryPx: number;
}

interface Subscription {
  readonly type: string;
  readonly user?: string;
}

const DEFAULT_UNIVERSE: readonly TestAsset[] = [
  { name: 'BTC', szDecimals: 5 },
  { name: 'ETH', szDecimals: 4 },
  { name: 'SOL', szDecimals: 2 },
];
const DEFAULT_MIDS: Readonly<Record<string, number>> = { BTC: 60_000, ETH: 3_000, SOL: 150 };

const CLOID = /^0x[0-9a-fA-F]{32}$/;
const TIFS = new Set(['Gtc', 'Ioc', 'Alo']);

function str(x: number): string {
  return String(Number(x.toFixed(8)));
}

function fractionDigits(decimal: string): number {
  const fraction = decimal.split('.')[1] ?? '';
  return fraction.replace(/0+$/, '').length;
}

/** The venue's price rule: integers always; otherwise <= 5 significant figures and <= 6 - szDecimals decimals. */
function validPrice(px: string, szDecimals: number): boolean {
  const [int = '', fraction = ''] = px.split('.');
  const trimmed = fraction.replace(/0+$/, '');
  if (trimmed === '') return true;
  const significant = (int + trimmed).replace(/^0+/, '').length;
  return significant <= 5 && trimmed.length <= 6 - szDecimals;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export class HyperliquidTestServer {
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly signer: string;
  private readonly mainnet: boolean;
  private readonly universe: readonly TestAsset[];
  private readonly mids = new Map<string, number>();
  private readonly liquidity = new Map<string, number>();
  private readonly takerFeeRate: number;
  private readonly makerFeeRate: number;
  private readonly faults: Record<Endpoint, Fault[]> = { exchange: [], info: [] };
  private readonly orders: VenueOrder[] = [];
  private readonly fills: VenueFill[] = [];
  private readonly positions = new Map<string, Map<string, Position>>();
  private readonly usedNonces = new Set<number>();
  private readonly subscriptions = new Map<WebSocket, Subscription[]>();
  private readonly received = new Map<string, number>();
  private nextOid = 1_000;
  private nextTid = 500_000;
  private port = 0;

  /** Order actions that reached /exchange, whatever became of them. */
  orderActionsReceived = 0;
  /** WebSocket connections accepted. */
  wsConnections = 0;
  /** Subscribe requests received per subscription type. */
  readonly subscribeRequests = new Map<string, number>();
  pingsReceived = 0;

  private constructor(options: HyperliquidTestServerOptions) {
    this.signer = getAddress(options.signer).toLowerCase();
    this.mainnet = options.mainnet ?? false;
    this.universe = options.universe ?? DEFAULT_UNIVERSE;
    for (const [coin, px] of Object.entries(options.mids ?? DEFAULT_MIDS)) this.mids.set(coin, px);
    this.takerFeeRate = options.takerFeeRate ?? 0.00045;
    this.makerFeeRate = options.makerFeeRate ?? 0.00015;
    this.http = createServer((req, res) => void this.handle(req, res));
    this.wss = new WebSocketServer({ server: this.http, path: '/ws' });
    this.wss.on('connection', (socket) => this.onConnection(socket));
  }

  static async start(options: HyperliquidTestServerOptions): Promise<HyperliquidTestServer> {
    const server = new HyperliquidTestServer(options);
    await new Promise<void>((resolve, reject) => {
      server.http.once('error', reject);
      server.http.listen(0, '127.0.0.1', () => resolve());
    });
    server.port = (server.http.address() as AddressInfo).port;
    return server;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  // ---- controls ----

  setMid(coin: string, px: number): void {
    this.mids.set(coin, px);
  }

  /** At most this much of a marketable order fills; the rest is cancelled (IOC) or rests. */
  setLiquidity(coin: string, size: number | undefined): void {
    if (size === undefined) this.liquidity.delete(coin);
    else this.liquidity.set(coin, size);
  }

  /** The next `count` requests answer HTTP 500 (by default without acting on them). */
  failNext(count: number, options: FaultOptions = {}): void {
    this.respondNext(count, 500, {}, options);
  }

  /** The next `count` requests answer with this status and headers (e.g. 429 with Retry-After). */
  respondNext(count: number, status: number, headers: Record<string, string> = {}, options: FaultOptions = {}): void {
    for (let i = 0; i < count; i += 1) this.faults[options.endpoint ?? 'exchange'].push({ kind: 'status', status, headers, process: options.process ?? false });
  }

  /** The next request is never answered; by default it is acted on ("sent but not acknowledged"). */
  hangNext(options: FaultOptions = {}): void {
    this.faults[options.endpoint ?? 'exchange'].push({ kind: 'hang', process: options.process ?? true });
  }

  /** The next request's connection is destroyed before an answer; by default it is acted on first. */
  destroyNext(options: FaultOptions = {}): void {
    this.faults[options.endpoint ?? 'exchange'].push({ kind: 'destroy', process: options.process ?? true });
  }

  /** Terminates every WebSocket client (the server keeps accepting new ones). */
  dropWsClients(): void {
    for (const socket of this.wss.clients) socket.terminate();
  }

  /** How many order wires carrying this cloid reached /exchange (0, 1, or more if resent). */
  ordersReceivedFor(cloid: string): number {
    return this.received.get(cloid.toLowerCase()) ?? 0;
  }

  /** How many orders the venue holds for this cloid. */
  ordersRecordedFor(cloid: string): number {
    return this.orders.filter((o) => o.cloid?.toLowerCase() === cloid.toLowerCase()).length;
  }

  /** What the venue holds for this cloid, as it would show it. */
  recordedOrder(cloid: string): { coin: string; side: 'B' | 'A'; limitPx: string; origSz: string; tif: string; reduceOnly: boolean; status: string } | undefined {
    const o = this.orders.find((order) => order.cloid?.toLowerCase() === cloid.toLowerCase());
    return o && { coin: o.coin, side: o.side, limitPx: o.limitPx, origSz: str(o.origSz), tif: o.tif, reduceOnly: o.reduceOnly, status: o.status };
  }

  /** Subscribers currently listening to a channel. */
  subscribers(type: string): number {
    let count = 0;
    for (const subs of this.subscriptions.values()) if (subs.some((s) => s.type === type)) count += 1;
    return count;
  }

  /** A resting order placed some other way (no cloid), as a UI order would be. */
  addRestingOrder(order: { coin: string; side: 'buy' | 'sell'; px: number; sz: number; user?: string }): number {
    const asset = this.universe.findIndex((a) => a.name === order.coin);
    if (asset < 0) throw new Error(`unknown coin ${order.coin}`);
    const now = Date.now();
    const oid = this.nextOid++;
    this.orders.push({
      oid,
      user: (order.user ?? this.signer).toLowerCase(),
      coin: order.coin,
      asset,
      side: order.side === 'buy' ? 'B' : 'A',
      limitPx: str(order.px),
      origSz: order.sz,
      sz: order.sz,
      tif: 'Gtc',
      reduceOnly: false,
      timestamp: now,
      status: 'open',
      statusTimestamp: now,
    });
    return oid;
  }

  /** Fills (part of) a resting order as a maker, as if someone traded against it. */
  fillResting(oid: number, size?: number): void {
    const order = this.orders.find((o) => o.oid === oid && o.status === 'open');
    if (!order) throw new Error(`no open order ${oid}`);
    this.fill(order, Math.min(size ?? order.sz, order.sz), Number(order.limitPx), false);
    this.pushOrderUpdate(order);
  }

  async close(): Promise<void> {
    for (const socket of this.wss.clients) socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  // ---- HTTP ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const endpoint = req.url === '/exchange' ? 'exchange' : req.url === '/info' ? 'info' : undefined;
    if (req.method !== 'POST' || !endpoint) return this.reply(res, 404, 'Not Found');

    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return this.reply(res, 422, 'Failed to deserialize the JSON body into the target type');
    }
    if (endpoint === 'exchange') this.countReceived(body);

    const act = (): { status: number; body: unknown } => (endpoint === 'exchange' ? { status: 200, body: this.exchange(body) } : this.info(body));
    const fault = this.faults[endpoint].shift();
    if (!fault) {
      const answer = act();
      return this.reply(res, answer.status, answer.body);
    }
    if (fault.process) act();
    switch (fault.kind) {
      case 'status':
        return this.reply(res, fault.status, fault.status >= 500 ? 'Internal Server Error' : 'Refused', fault.headers);
      case 'hang':
        return; // answered never; close() destroys the connection
      case 'destroy':
        req.socket.destroy();
        return;
    }
  }

  private reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', ...headers });
    res.end(text);
  }

  private countReceived(body: unknown): void {
    if (!isRecord(body) || !isRecord(body.action) || body.action.type !== 'order') return;
    this.orderActionsReceived += 1;
    const orders = Array.isArray(body.action.orders) ? body.action.orders : [];
    for (const order of orders) {
      if (isRecord(order) && typeof order.c === 'string') this.received.set(order.c.toLowerCase(), (this.received.get(order.c.toLowerCase()) ?? 0) + 1);
    }
  }

  // ---- /exchange ----

  private exchange(body: unknown): unknown {
    const err = (response: string) => ({ status: 'err', response });
    if (!isRecord(body) || !isRecord(body.action) || typeof body.nonce !== 'number' || !isRecord(body.signature)) return err('Invalid request body');
    const vault = typeof body.vaultAddress === 'string' ? body.vaultAddress.toLowerCase() : null;
    const expiresAfter = typeof body.expiresAfter === 'number' ? body.expiresAfter : undefined;

    let recovered: string;
    try {
      const hash = actionHash(body.action, vault, body.nonce, expiresAfter);
      recovered = verifyTypedData(L1_DOMAIN, AGENT_TYPES, phantomAgent(hash, this.mainnet), body.signature as { r: string; s: string; v: number }).toLowerCase();
    } catch (error) {
      return err(`Invalid signature: ${error instanceof Error ? error.message : String(error)}`);
    }
    // A wrong key (or a tampered action) recovers some other address, which has no account.
    if (recovered !== this.signer) return err(`User or API Wallet ${recovered} does not exist.`);
    if (this.usedNonces.has(body.nonce)) return err(`Invalid nonce: duplicate nonce ${body.nonce}`);
    this.usedNonces.add(body.nonce);

    const user = vault ?? this.signer;
    const action = body.action;
    const cancels = Array.isArray(action.cancels) ? action.cancels.filter(isRecord) : [];
    switch (action.type) {
      case 'order': {
        const orders = Array.isArray(action.orders) ? action.orders : [];
        if (orders.length === 0) return err('Order action has no orders');
        return { status: 'ok', response: { type: 'order', data: { statuses: orders.map((o) => this.placeOne(user, o)) } } };
      }
      case 'cancelByCloid':
        return this.cancelled(cancels.map((c) => this.cancelOne(user, Number(c.asset), (o) => typeof c.cloid === 'string' && o.cloid?.toLowerCase() === c.cloid.toLowerCase())));
      case 'cancel':
        return this.cancelled(cancels.map((c) => this.cancelOne(user, Number(c.a), (o) => o.oid === c.o)));
      default:
        return err(`Unsupported action type ${JSON.stringify(action.type)}`);
    }
  }

  private cancelled(statuses: unknown[]): unknown {
    if (statuses.length === 0) return { status: 'err', response: 'Cancel action has no cancels' };
    return { status: 'ok', response: { type: 'cancel', data: { statuses } } };
  }

  private cancelOne(user: string, asset: number, match: (o: VenueOrder) => boolean): unknown {
    const order = this.orders.find((o) => o.user === user && o.asset === asset && match(o));
    if (!order || order.status !== 'open') return { error: `Order was never placed, already canceled, or filled. asset=${asset}` };
    order.status = 'canceled';
    order.statusTimestamp = Date.now();
    this.pushOrderUpdate(order);
    return 'success';
  }

  private placeOne(user: string, wire: unknown): unknown {
    const error = (message: string) => ({ error: message });
    if (
      !isRecord(wire) ||
      typeof wire.a !== 'number' ||
      typeof wire.b !== 'boolean' ||
      typeof wire.p !== 'string' ||
      typeof wire.s !== 'string' ||
      typeof wire.r !== 'boolean' ||
      !isRecord(wire.t) ||
      !isRecord(wire.t.limit) ||
      !TIFS.has(wire.t.limit.tif as string) ||
      (wire.c !== undefined && !(typeof wire.c === 'string' && CLOID.test(wire.c)))
    ) {
      return error('Invalid order wire');
    }
    const market = this.universe[wire.a];
    if (!market) return error(`Invalid asset ${wire.a}`);
    const cloid = wire.c as string | undefined;
    if (cloid !== undefined && this.ordersRecordedFor(cloid) > 0) return error(`Duplicate cloid ${cloid}: an order with this cloid already exists`);
    const px = Number(wire.p);
    const sz = Number(wire.s);
    if (!(sz > 0) || fractionDigits(wire.s) > market.szDecimals) return error(`Order has invalid size. asset=${wire.a}`);
    if (!(px > 0) || !validPrice(wire.p, market.szDecimals)) return error(`Order has invalid price. asset=${wire.a}`);
    if (px * sz < 10) return error(`Order must have minimum value of $10. asset=${wire.a}`);
    const position = this.position(user, market.name);
    if (wire.r && (position.szi === 0 || (position.szi > 0) === wire.b || sz > Math.abs(position.szi) + 1e-12)) {
      return error(`Reduce only order would increase position. asset=${wire.a}`);
    }

    const now = Date.now();
    const tif = wire.t.limit.tif as string;
    const order: VenueOrder = {
      oid: this.nextOid++,
      ...(cloid !== undefined ? { cloid } : {}),
      user,
      coin: market.name,
      asset: wire.a,
      side: wire.b ? 'B' : 'A',
      limitPx: wire.p,
      origSz: sz,
      sz,
      tif,
      reduceOnly: wire.r,
      timestamp: now,
      status: 'open',
      statusTimestamp: now,
    };
    this.orders.push(order);

    const mid = this.mids.get(market.name);
    const crosses = mid !== undefined && (wire.b ? px >= mid : px <= mid);
    if (tif === 'Alo' && crosses) {
      order.status = 'badAloPxRejected';
      return error(`Post only order would have immediately matched, bbo was ${mid}@${mid}. asset=${wire.a}`);
    }
    if (!crosses) {
      if (tif === 'Ioc') {
        order.status = 'iocCancelRejected';
        return error(`Order could not immediately match against any resting orders. asset=${wire.a}`);
      }
      this.pushOrderUpdate(order);
      return { resting: { oid: order.oid } };
    }

    const size = Math.min(sz, this.liquidity.get(market.name) ?? sz);
    this.fill(order, size, mid, true);
    if (order.status === 'open' && tif === 'Ioc') order.status = 'canceled';
    this.pushOrderUpdate(order);
    if (order.status === 'open') return { resting: { oid: order.oid } };
    return { filled: { totalSz: str(size), avgPx: str(mid), oid: order.oid } };
  }

  private position(user: string, coin: string): Position {
    let book = this.positions.get(user);
    if (!book) this.positions.set(user, (book = new Map()));
    let position = book.get(coin);
    if (!position) book.set(coin, (position = { szi: 0, entryPx: 0 }));
    return position;
  }

  private fill(order: VenueOrder, size: number, px: number, taker: boolean): void {
    const now = Date.now();
    const position = this.position(order.user, order.coin);
    const start = position.szi;
    const signed = order.side === 'B' ? size : -size;
    const next = Number((start + signed).toFixed(10));
    let closedPnl = 0;
    if (start === 0 || Math.sign(start) === Math.sign(signed)) {
      position.entryPx = (Math.abs(start) * position.entryPx + size * px) / Math.abs(next);
    } else {
      const closed = Math.min(Math.abs(start), size);
      closedPnl = closed * (px - position.entryPx) * Math.sign(start);
      if (Math.sign(next) !== Math.sign(start)) position.entryPx = next === 0 ? 0 : px;
    }
    position.szi = next;
    order.sz = Number((order.sz - size).toFixed(10));
    if (order.sz === 0) order.status = 'filled';
    order.statusTimestamp = now;

    const fill: VenueFill = {
      coin: order.coin,
      px: str(px),
      sz: str(size),
      side: order.side,
      time: now,
      startPosition: str(start),
      dir: order.side === 'B' ? (start < 0 ? 'Close Short' : 'Open Long') : start > 0 ? 'Close Long' : 'Open Short',
      closedPnl: str(closedPnl),
      hash: `0x${this.nextTid.toString(16).padStart(64, '0')}`,
      oid: order.oid,
      crossed: taker,
      fee: str(Number((size * px * (taker ? this.takerFeeRate : this.makerFeeRate)).toFixed(6))),
      tid: this.nextTid++,
      feeToken: 'USDC',
      ...(order.cloid !== undefined ? { cloid: order.cloid } : {}),
    };
    this.fills.push(fill);
    this.push(order.user, 'userFills', { user: order.user, fills: [fill] });
  }

  // ---- /info ----

  private info(body: unknown): { status: number; body: unknown } {
    const ok = (answer: unknown) => ({ status: 200, body: answer });
    if (!isRecord(body) || typeof body.type !== 'string') return { status: 422, body: 'Failed to deserialize the JSON body into the target type' };
    const user = typeof body.user === 'string' ? body.user.toLowerCase() : '';
    switch (body.type) {
      case 'meta':
        return ok({ universe: this.universe.map((a) => ({ name: a.name, szDecimals: a.szDecimals, maxLeverage: 50 })) });
      case 'allMids':
        return ok(Object.fromEntries([...this.mids].map(([coin, px]) => [coin, str(px)])));
      case 'clearinghouseState':
        return ok(this.clearinghouseState(user));
      case 'openOrders':
        return ok(this.orders.filter((o) => o.user === user && o.status === 'open').map((o) => this.openOrderView(o)));
      case 'orderStatus': {
        const oid = body.oid;
        const order = this.orders.find(
          (o) => o.user === user && (typeof oid === 'number' ? o.oid === oid : typeof oid === 'string' && o.cloid?.toLowerCase() === oid.toLowerCase()),
        );
        if (!order) return ok({ status: 'unknownOid' });
        return ok({ status: 'order', order: { order: this.frontendView(order), status: order.status, statusTimestamp: order.statusTimestamp } });
      }
      case 'userFills':
        return ok(this.userFills(user));
      default:
        return { status: 422, body: 'Failed to deserialize the JSON body into the target type' };
    }
  }

  private userFills(user: string): VenueFill[] {
    const owned = new Set(this.orders.filter((o) => o.user === user).map((o) => o.oid));
    return this.fills.filter((f) => owned.has(f.oid)).reverse(); // newest first, as the venue answers
  }

  private clearinghouseState(user: string): unknown {
    const book = this.positions.get(user) ?? new Map<string, Position>();
    const assetPositions = [...book]
      .filter(([, p]) => p.szi !== 0)
      .map(([coin, p]) => {
        const mid = this.mids.get(coin) ?? p.entryPx;
        return {
          type: 'oneWay',
          position: {
            coin,
            szi: str(p.szi),
            entryPx: str(p.entryPx),
            positionValue: str(Math.abs(p.szi) * mid),
            unrealizedPnl: str(p.szi * (mid - p.entryPx)),
            returnOnEquity: '0',
            leverage: { type: 'cross', value: 1 },
            liquidationPx: null,
            marginUsed: str(Math.abs(p.szi) * mid),
            maxLeverage: 50,
            cumFunding: { allTime: '0', sinceOpen: '0', sinceChange: '0' },
          },
        };
      });
    const summary = { accountValue: '100000', totalNtlPos: '0', totalRawUsd: '100000', totalMarginUsed: '0' };
    return { assetPositions, marginSummary: summary, crossMarginSummary: summary, crossMaintenanceMarginUsed: '0', withdrawable: '100000', time: Date.now() };
  }

  private openOrderView(o: VenueOrder): unknown {
    return {
      coin: o.coin,
      side: o.side,
      limitPx: o.limitPx,
      sz: str(o.sz),
      oid: o.oid,
      timestamp: o.timestamp,
      origSz: str(o.origSz),
      ...(o.cloid !== undefined ? { cloid: o.cloid } : {}),
      ...(o.reduceOnly ? { reduceOnly: true } : {}),
    };
  }

  private frontendView(o: VenueOrder): unknown {
    return {
      coin: o.coin,
      side: o.side,
      limitPx: o.limitPx,
      sz: str(o.sz),
      oid: o.oid,
      timestamp: o.timestamp,
      triggerCondition: 'N/A',
      isTrigger: false,
      triggerPx: '0.0',
      children: [],
      isPositionTpsl: false,
      reduceOnly: o.reduceOnly,
      orderType: 'Limit',
      origSz: str(o.origSz),
      tif: o.tif,
      cloid: o.cloid ?? null,
    };
  }

  // ---- WebSocket ----

  private onConnection(socket: WebSocket): void {
    this.wsConnections += 1;
    this.subscriptions.set(socket, []);
    socket.on('close', () => this.subscriptions.delete(socket));
    socket.on('error', () => undefined); // a client vanishing mid-frame is normal here
    socket.on('message', (data) => {
      let message: unknown;
      try {
        message = JSON.parse(data.toString());
      } catch {
        return this.send(socket, { channel: 'error', data: `Invalid JSON: ${data.toString().slice(0, 100)}` });
      }
      if (!isRecord(message)) return this.send(socket, { channel: 'error', data: 'Expected an object' });
      if (message.method === 'ping') {
        this.pingsReceived += 1;
        return this.send(socket, { channel: 'pong' });
      }
      if (message.method === 'subscribe' && isRecord(message.subscription) && typeof message.subscription.type === 'string') {
        const subscription: Subscription = {
          type: message.subscription.type,
          ...(typeof message.subscription.user === 'string' ? { user: message.subscription.user.toLowerCase() } : {}),
        };
        this.subscribeRequests.set(subscription.type, (this.subscribeRequests.get(subscription.type) ?? 0) + 1);
        this.subscriptions.get(socket)?.push(subscription);
        this.send(socket, { channel: 'subscriptionResponse', data: { method: 'subscribe', subscription: message.subscription } });
        if (subscription.type === 'userFills' && subscription.user) {
          this.send(socket, { channel: 'userFills', data: { isSnapshot: true, user: subscription.user, fills: this.userFills(subscription.user) } });
        }
        return;
      }
      return this.send(socket, { channel: 'error', data: `Unsupported message: ${data.toString().slice(0, 100)}` });
    });
  }

  private send(socket: WebSocket, message: unknown): void {
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  private push(user: string, type: string, data: unknown): void {
    for (const [socket, subs] of this.subscriptions) {
      if (subs.some((s) => s.type === type && s.user === user)) this.send(socket, { channel: type, data });
    }
  }

  private pushOrderUpdate(o: VenueOrder): void {
    const order = { coin: o.coin, side: o.side, limitPx: o.limitPx, sz: str(o.sz), oid: o.oid, timestamp: o.timestamp, origSz: str(o.origSz), ...(o.cloid ? { cloid: o.cloid } : {}) };
    this.push(o.user, 'orderUpdates', [{ order, status: o.status, statusTimestamp: o.statusTimestamp }]);
  }
}
