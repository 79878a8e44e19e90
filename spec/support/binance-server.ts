// A local Binance spot venue for specs: node:http + a ws WebSocketServer on 127.0.0.1, port 0,
// speaking Binance's REST request/response shapes and the WebSocket API user data stream
// (userDataStream.subscribe.signature + executionReport events). It checks what the real venue
// checks (API key header, HMAC signature, timestamp within recvWindow, symbol filters, client order
// id uniqueness among open orders) and can misbehave on demand: 5xx, hangs, dropped connections,
// 429 and 418 with Retry-After, dropped WebSocket clients. It exists only for tests.
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

const SCALE = 100_000_000n; // Binance amounts have at most 8 decimals

interface SymbolDef {
  readonly symbol: string;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  readonly tickSize: string;
  readonly minPrice: string;
  readonly maxPrice: string;
  readonly stepSize: string;
  readonly minQty: string;
  readonly maxQty: string;
  readonly minNotional: string;
  /** Newer symbols carry NOTIONAL (min and max); older ones MIN_NOTIONAL. */
  readonly notionalFilter: 'NOTIONAL' | 'MIN_NOTIONAL';
}

export const SERVER_SYMBOLS: readonly SymbolDef[] = [
  { symbol: 'SOLUSDT', baseAsset: 'SOL', quoteAsset: 'USDT', tickSize: '0.01000000', minPrice: '0.01000000', maxPrice: '100000.00000000', stepSize: '0.00100000', minQty: '0.00100000', maxQty: '90000.00000000', minNotional: '5.00000000', notionalFilter: 'NOTIONAL' },
  { symbol: 'BTCUSDT', baseAsset: 'BTC', quoteAsset: 'USDT', tickSize: '0.01000000', minPrice: '0.01000000', maxPrice: '1000000.00000000', stepSize: '0.00001000', minQty: '0.00001000', maxQty: '9000.00000000', minNotional: '5.00000000', notionalFilter: 'NOTIONAL' },
  { symbol: 'ETHBTC', baseAsset: 'ETH', quoteAsset: 'BTC', tickSize: '0.00001000', minPrice: '0.00001000', maxPrice: '922327.00000000', stepSize: '0.00010000', minQty: '0.00010000', maxQty: '100000.00000000', minNotional: '0.00010000', notionalFilter: 'MIN_NOTIONAL' },
];

export interface BinanceServerOptions {
  readonly apiKey?: string;
  readonly apiSecret?: string;
  /** Market price per symbol; IOC/GTC limits that cross it fill at it. */
  readonly prices?: Readonly<Record<string, string>>;
  readonly balances?: Readonly<Record<string, string>>;
  /** Commission rate per trade; default 0.001. The buyer pays in the base asset, the seller in the quote. */
  readonly commissionRate?: string;
}

export interface FaultMatch {
  readonly method?: string;
  readonly path?: string;
}

type FaultKind = 'error500' | 'hang' | 'destroy' | 'rateLimit' | 'ban';

interface Fault {
  readonly kind: FaultKind;
  readonly match: FaultMatch;
  /** The request is carried out before the answer goes wrong (sent, executed, not acknowledged). */
  readonly processed: boolean;
  readonly retryAfterSec?: number;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly apiKey?: string;
}

interface ServerTrade {
  readonly id: number;
  readonly orderId: number;
  readonly price: bigint;
  readonly qty: bigint;
  readonly quoteQty: bigint;
  readonly commission: bigint;
  readonly commissionAsset: string;
  readonly time: number;
  readonly isBuyer: boolean;
  readonly isMaker: boolean;
}

export interface ServerOrder {
  readonly symbol: string;
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly side: 'BUY' | 'SELL';
  readonly type: 'LIMIT' | 'LIMIT_MAKER';
  readonly timeInForce: 'GTC' | 'IOC';
  readonly price: bigint;
  readonly origQty: bigint;
  executedQty: bigint;
  cumQuote: bigint;
  status: 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED';
  expiryReason?: string;
  readonly time: number;
  updateTime: number;
  readonly trades: ServerTrade[];
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

class VenueError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const WEIGHTS: Record<string, (params: URLSearchParams) => number> = {
  'GET /api/v3/time': () => 1,
  'GET /api/v3/exchangeInfo': () => 20,
  'POST /api/v3/order': () => 1,
  'GET /api/v3/order': () => 4,
  'DELETE /api/v3/order': () => 1,
  'GET /api/v3/openOrders': (p) => (p.has('symbol') ? 6 : 80),
  'GET /api/v3/myTrades': (p) => (p.has('orderId') ? 5 : 20),
  'GET /api/v3/account': () => 20,
};

export class BinanceTestServer {
  readonly apiKey: string;
  readonly apiSecret: string;
  /** Every REST request that reached the server, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly symbols = new Map(SERVER_SYMBOLS.map((s) => [s.symbol, s]));
  private readonly prices = new Map<string, bigint>();
  private readonly liquidity = new Map<string, bigint>();
  private readonly balances = new Map<string, bigint>();
  private readonly commissionRate: bigint;
  private readonly allOrders: ServerOrder[] = [];
  private readonly attempts = new Map<string, number>();
  private readonly faults: Fault[] = [];
  private readonly hanging = new Set<ServerResponse>();
  private readonly subscriptions = new Map<WebSocket, number>();
  private nextOrderId = 1000;
  private nextTradeId = 5000;
  private nextSubscriptionId = 0;
  private skewMs = 0;
  private weightMinute = 0;
  private weight = 0;
  private wsConnections = 0;

  private constructor(options: BinanceServerOptions) {
    this.apiKey = options.apiKey ?? 'spec-api-key-0123456789abcdefghijklmnopqrstuvwxyz';
    this.apiSecret = options.apiSecret ?? 'spec-api-secret-0123456789abcdefghijklmnopqrstuvwxyz';
    this.commissionRate = units(options.commissionRate ?? '0.001');
    for (const [symbol, price] of Object.entries({ SOLUSDT: '150', BTCUSDT: '60000', ETHBTC: '0.05', ...options.prices })) this.prices.set(symbol, units(price));
    for (const [asset, amount] of Object.entries({ USDT: '10000', BTC: '1', SOL: '0', ETH: '0', ...options.balances })) this.balances.set(asset, units(amount));
    this.http = createServer((req, res) => void this.onRequest(req, res));
    this.wss = new WebSocketServer({ server: this.http, path: '/ws-api/v3' });
    this.wss.on('connection', (socket) => this.onWsConnection(socket));
  }

  static async start(options: BinanceServerOptions = {}): Promise<BinanceTestServer> {
    const server = new BinanceTestServer(options);
    await new Promise<void>((resolve, reject) => {
      server.http.once('error', reject);
      server.http.listen(0, '127.0.0.1', () => resolve());
    });
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${(this.http.address() as AddressInfo).port}/ws-api/v3`;
  }

  /** Server time (wall clock plus the configured skew). */
  now(): number {
    return Date.now() + this.skewMs;
  }

  // ---- controls -------------------------------------------------------------------------------

  setPrice(symbol: string, price: string): void {
    this.prices.set(symbol, units(price));
    this.matchResting(symbol);
  }

  /** At most this much fills per order (undefined: unlimited). */
  setLiquidity(symbol: string, qty: string | undefined): void {
    if (qty === undefined) this.liquidity.delete(symbol);
    else this.liquidity.set(symbol, units(qty));
  }

  setBalance(asset: string, amount: string): void {
    this.balances.set(asset, units(amount));
  }

  /** Moves the server clock: signed requests then fail -1021 until the client resyncs. */
  setClockSkew(ms: number): void {
    this.skewMs = ms;
  }

  /** The next `count` matching requests answer HTTP 500 (after being carried out when `processed`). */
  failNext(count = 1, options: { match?: FaultMatch; processed?: boolean } = {}): void {
    for (let i = 0; i < count; i += 1) this.faults.push({ kind: 'error500', match: options.match ?? {}, processed: options.processed ?? false });
  }

  /** The next matching request is carried out (by default) and never answered. */
  hangNext(options: { match?: FaultMatch; processed?: boolean } = {}): void {
    this.faults.push({ kind: 'hang', match: options.match ?? {}, processed: options.processed ?? true });
  }

  /** The next matching request is carried out (by default), then its connection is destroyed. */
  destroyNext(options: { match?: FaultMatch; processed?: boolean } = {}): void {
    this.faults.push({ kind: 'destroy', match: options.match ?? {}, processed: options.processed ?? true });
  }

  /** The next matching request is refused with 429 and Retry-After. */
  rateLimitNext(retryAfterSec: number, match: FaultMatch = {}): void {
    this.faults.push({ kind: 'rateLimit', match, processed: false, retryAfterSec });
  }

  /** The next matching request is refused with 418 (IP ban) and Retry-After. */
  banNext(retryAfterSec: number, match: FaultMatch = {}): void {
    this.faults.push({ kind: 'ban', match, processed: false, retryAfterSec });
  }

  /** Terminates every WebSocket client (their subscriptions go with them). */
  dropWsClients(): void {
    for (const socket of this.wss.clients) socket.terminate();
  }

  // ---- inspection -----------------------------------------------------------------------------

  /** POST /api/v3/order requests that arrived with this newClientOrderId, accepted or not. */
  placeAttempts(clientOrderId: string): number {
    return this.attempts.get(clientOrderId) ?? 0;
  }

  /** Orders the venue accepted with this client order id. */
  ordersFor(clientOrderId: string): readonly ServerOrder[] {
    return this.allOrders.filter((o) => o.clientOrderId === clientOrderId);
  }

  get orders(): readonly ServerOrder[] {
    return this.allOrders;
  }

  requestsTo(method: string, path: string): readonly RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path === path);
  }

  balanceOf(asset: string): string {
    return decimal(this.balances.get(asset) ?? 0n);
  }

  get usedWeight(): number {
    return this.currentMinute() === this.weightMinute ? this.weight : 0;
  }

  /** WebSocket clients connected now. */
  get wsClientCount(): number {
    return this.wss.clients.size;
  }

  /** WebSocket connections ever accepted. */
  get wsConnectionsTotal(): number {
    return this.wsConnections;
  }

  get wsSubscriptionCount(): number {
    return this.subscriptions.size;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    for (const socket of this.wss.clients) socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  // ---- REST -----------------------------------------------------------------------------------

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const rawQuery = url.search.startsWith('?') ? url.search.slice(1) : url.search;
    const params = new URLSearchParams(body);
    for (const [key, value] of new URLSearchParams(rawQuery)) params.set(key, value); // the query string wins
    const apiKey = header(req, 'x-mbx-apikey');
    this.requests.push({ method, path, params: Object.fromEntries(params), ...(apiKey === undefined ? {} : { apiKey }) });
    if (method === 'POST' && path === '/api/v3/order') {
      const id = params.get('newClientOrderId') ?? '';
      this.attempts.set(id, (this.attempts.get(id) ?? 0) + 1);
    }
    this.addWeight(WEIGHTS[`${method} ${path}`]?.(params) ?? 1);

    const faultIndex = this.faults.findIndex((f) => (f.match.method ?? method) === method && (f.match.path ?? path) === path);
    const fault = faultIndex >= 0 ? this.faults.splice(faultIndex, 1)[0] : undefined;
    if (fault && !fault.processed) return this.misbehave(fault, res);
    let answer: Answer;
    try {
      answer = this.route(method, path, params, { rawQuery, body, apiKey });
    } catch (error) {
      answer = error instanceof VenueError
        ? { status: error.status, body: { code: error.code, msg: error.message } }
        : { status: 500, body: { code: -1000, msg: `An unknown error occurred while processing the request. (${String(error)})` } };
    }
    if (fault) return this.misbehave(fault, res);
    this.reply(res, answer.status, answer.body);
  }

  private misbehave(fault: Fault, res: ServerResponse): void {
    switch (fault.kind) {
      case 'error500':
        return this.reply(res, 500, { code: -1000, msg: 'An unknown error occurred while processing the request.' });
      case 'hang':
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        return;
      case 'destroy':
        res.socket?.destroy();
        return;
      case 'rateLimit':
        return this.reply(res, 429, { code: -1003, msg: 'Too much request weight used; current limit is 6000 request weight per 1 MINUTE.' }, { 'Retry-After': String(fault.retryAfterSec) });
      case 'ban':
        return this.reply(res, 418, { code: -1003, msg: `Way too much request weight used; IP banned until ${this.now() + (fault.retryAfterSec ?? 0) * 1000}.` }, { 'Retry-After': String(fault.retryAfterSec) });
    }
  }

  private reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', 'X-MBX-USED-WEIGHT-1M': String(this.usedWeight), ...headers });
    res.end(JSON.stringify(body));
  }

  private route(method: string, path: string, params: URLSearchParams, raw: { rawQuery: string; body: string; apiKey: string | undefined }): Answer {
    switch (`${method} ${path}`) {
      case 'GET /api/v3/time':
        return ok({ serverTime: this.now() });
      case 'GET /api/v3/exchangeInfo':
        return ok(this.exchangeInfo(params));
    }
    const signedRoutes = ['POST /api/v3/order', 'GET /api/v3/order', 'DELETE /api/v3/order', 'GET /api/v3/openOrders', 'GET /api/v3/myTrades', 'GET /api/v3/account'];
    if (!signedRoutes.includes(`${method} ${path}`)) throw new VenueError(404, -1000, `No route ${method} ${path}`);
    this.authenticate(params, raw);
    switch (`${method} ${path}`) {
      case 'POST /api/v3/order':
        return ok(this.newOrder(params));
      case 'GET /api/v3/order':
        return ok(orderJson(this.findOrder(params)));
      case 'DELETE /api/v3/order':
        return ok(this.cancelOrder(params));
      case 'GET /api/v3/openOrders': {
        const symbol = params.get('symbol');
        if (symbol !== null) this.symbolDef(symbol);
        return ok(this.allOrders.filter((o) => isOpen(o) && (symbol === null || o.symbol === symbol)).map(orderJson));
      }
      case 'GET /api/v3/myTrades':
        return ok(this.myTrades(params));
      default: {
        const omitZero = params.get('omitZeroBalances') === 'true';
        const balances = [...this.balances].filter(([, amount]) => !omitZero || amount !== 0n).map(([asset, amount]) => ({ asset, free: decimal(amount), locked: '0.00000000' }));
        return ok({ makerCommission: 10, takerCommission: 10, canTrade: true, canWithdraw: true, canDeposit: true, updateTime: this.now(), accountType: 'SPOT', balances, permissions: ['SPOT'] });
      }
    }
  }

  /** API key, signature, then timestamp against recvWindow: Binance's checks and error codes. */
  private authenticate(params: URLSearchParams, raw: { rawQuery: string; body: string; apiKey: string | undefined }): void {
    if (raw.apiKey === undefined || raw.apiKey === '') throw new VenueError(401, -2014, 'API-key format invalid.');
    if (raw.apiKey !== this.apiKey) throw new VenueError(401, -2015, 'Invalid API-key, IP, or permissions for action.');
    const timestamp = Number(params.get('timestamp'));
    if (!params.get('timestamp') || !Number.isFinite(timestamp)) throw mandatory('timestamp');
    const signature = params.get('signature');
    if (!signature) throw mandatory('signature');
    const payload = withoutSignature(raw.rawQuery) + withoutSignature(raw.body);
    const expected = createHmac('sha256', this.apiSecret).update(payload).digest('hex');
    if (expected !== signature.toLowerCase()) throw new VenueError(400, -1022, 'Signature for this request is not valid.');
    const recvWindow = params.has('recvWindow') ? Number(params.get('recvWindow')) : 5000;
    if (!(recvWindow > 0 && recvWindow <= 60_000)) throw new VenueError(400, -1131, 'recvWindow must be less than 60000');
    const serverTime = this.now();
    if (timestamp >= serverTime + 1000) throw new VenueError(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time.");
    if (serverTime - timestamp > recvWindow) throw new VenueError(400, -1021, 'Timestamp for this request is outside of the recvWindow.');
  }

  private exchangeInfo(params: URLSearchParams): unknown {
    const one = params.get('symbol');
    const many = params.get('symbols');
    const wanted = one !== null ? [one] : many !== null ? (JSON.parse(many) as string[]) : [...this.symbols.keys()];
    const symbols = wanted.map((name) => {
      const s = this.symbolDef(name);
      const notional = s.notionalFilter === 'NOTIONAL'
        ? { filterType: 'NOTIONAL', minNotional: s.minNotional, applyMinToMarket: true, maxNotional: '9000000.00000000', applyMaxToMarket: false, avgPriceMins: 5 }
        : { filterType: 'MIN_NOTIONAL', minNotional: s.minNotional, applyToMarket: true, avgPriceMins: 5 };
      return {
        symbol: s.symbol,
        status: 'TRADING',
        baseAsset: s.baseAsset,
        baseAssetPrecision: 8,
        quoteAsset: s.quoteAsset,
        quotePrecision: 8,
        quoteAssetPrecision: 8,
        orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET'],
        isSpotTradingAllowed: true,
        filters: [
          { filterType: 'PRICE_FILTER', minPrice: s.minPrice, maxPrice: s.maxPrice, tickSize: s.tickSize },
          { filterType: 'LOT_SIZE', minQty: s.minQty, maxQty: s.maxQty, stepSize: s.stepSize },
          notional,
        ],
        permissions: [],
        permissionSets: [['SPOT']],
      };
    });
    return { timezone: 'UTC', serverTime: this.now(), rateLimits: [{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 }], exchangeFilters: [], symbols };
  }

  private newOrder(params: URLSearchParams): unknown {
    const def = this.symbolDef(required(params, 'symbol'));
    const side = required(params, 'side');
    if (side !== 'BUY' && side !== 'SELL') throw new VenueError(400, -1117, 'Invalid side.');
    const type = required(params, 'type');
    if (type !== 'LIMIT' && type !== 'LIMIT_MAKER') throw new VenueError(400, -1020, `This operation is not supported (the test server takes LIMIT and LIMIT_MAKER, got ${type}).`);
    let timeInForce: 'GTC' | 'IOC' = 'GTC';
    if (type === 'LIMIT') {
      const tif = required(params, 'timeInForce');
      if (tif !== 'GTC' && tif !== 'IOC') throw new VenueError(400, -1115, 'Invalid timeInForce.');
      timeInForce = tif;
    } else if (params.has('timeInForce')) {
      throw new VenueError(400, -1106, "Parameter 'timeInForce' sent when not required.");
    }
    const price = amount(params, 'price');
    const qty = amount(params, 'quantity');
    if (price < units(def.minPrice) || price > units(def.maxPrice) || price % units(def.tickSize) !== 0n) throw new VenueError(400, -1013, 'Filter failure: PRICE_FILTER');
    if (qty < units(def.minQty) || qty > units(def.maxQty) || qty % units(def.stepSize) !== 0n) throw new VenueError(400, -1013, 'Filter failure: LOT_SIZE');
    if ((price * qty) / SCALE < units(def.minNotional)) throw new VenueError(400, -1013, `Filter failure: ${def.notionalFilter}`);
    const clientOrderId = params.get('newClientOrderId') ?? `srv-${randomUUID().replace(/-/g, '').slice(0, 20)}`;
    if (!/^[a-zA-Z0-9-_]{1,36}$/.test(clientOrderId)) throw new VenueError(400, -1100, "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[a-zA-Z0-9-_]{1,36}$'.");
    // Binance refuses a reused id only while the earlier order is open; a filled one's id may be reused.
    if (this.allOrders.some((o) => o.clientOrderId === clientOrderId && isOpen(o))) throw new VenueError(400, -2010, 'Duplicate order sent.');
    const market = this.prices.get(def.symbol)!;
    const crosses = side === 'BUY' ? price >= market : price <= market;
    if (type === 'LIMIT_MAKER' && crosses) throw new VenueError(400, -2010, 'Order would immediately match and take.');

    const now = this.now();
    const order: ServerOrder = {
      symbol: def.symbol, orderId: this.nextOrderId++, clientOrderId, side, type, timeInForce, price, origQty: qty,
      executedQty: 0n, cumQuote: 0n, status: 'NEW', time: now, updateTime: now, trades: [],
    };
    this.allOrders.push(order);
    this.report(order, 'NEW');
    if (crosses) this.fill(order, market, false);
    if (order.timeInForce === 'IOC' && order.executedQty < order.origQty) {
      order.status = 'EXPIRED';
      order.expiryReason = 'UNFILLED_IOC_QUANTITY_EXPIRED';
      this.report(order, 'EXPIRED');
    }
    const respType = params.get('newOrderRespType') ?? 'FULL';
    const ack = { symbol: order.symbol, orderId: order.orderId, orderListId: -1, clientOrderId, transactTime: now };
    if (respType === 'ACK') return ack;
    const result = { ...ack, ...orderFields(order), workingTime: now, selfTradePreventionMode: 'NONE' };
    if (respType === 'RESULT') return result;
    return {
      ...result,
      fills: order.trades.map((t) => ({ price: decimal(t.price), qty: decimal(t.qty), commission: decimal(t.commission), commissionAsset: t.commissionAsset, tradeId: t.id })),
    };
  }

  private fill(order: ServerOrder, price: bigint, maker: boolean): void {
    const def = this.symbolDef(order.symbol);
    const cap = this.liquidity.get(order.symbol);
    const remaining = order.origQty - order.executedQty;
    const qty = cap === undefined || cap > remaining ? remaining : cap;
    if (qty <= 0n) return;
    const quoteQty = (price * qty) / SCALE;
    const buyer = order.side === 'BUY';
    const commission = ((buyer ? qty : quoteQty) * this.commissionRate) / SCALE;
    const commissionAsset = buyer ? def.baseAsset : def.quoteAsset;
    const trade: ServerTrade = { id: this.nextTradeId++, orderId: order.orderId, price, qty, quoteQty, commission, commissionAsset, time: this.now(), isBuyer: buyer, isMaker: maker };
    order.trades.push(trade);
    order.executedQty += qty;
    order.cumQuote += quoteQty;
    order.status = order.executedQty === order.origQty ? 'FILLED' : 'PARTIALLY_FILLED';
    order.updateTime = trade.time;
    const base = this.balances.get(def.baseAsset) ?? 0n;
    const quote = this.balances.get(def.quoteAsset) ?? 0n;
    this.balances.set(def.baseAsset, buyer ? base + qty - commission : base - qty);
    this.balances.set(def.quoteAsset, buyer ? quote - quoteQty : quote + quoteQty - commission);
    this.report(order, 'TRADE', trade);
  }

  /** Resting orders the new price crosses fill at their own limit (as makers). */
  private matchResting(symbol: string): void {
    const market = this.prices.get(symbol)!;
    for (const order of this.allOrders) {
      if (order.symbol !== symbol || !isOpen(order)) continue;
      if (order.side === 'BUY' ? market <= order.price : market >= order.price) this.fill(order, order.price, true);
    }
  }

  private findOrder(params: URLSearchParams): ServerOrder {
    const symbol = required(params, 'symbol');
    this.symbolDef(symbol);
    const orderId = params.get('orderId');
    const clientOrderId = params.get('origClientOrderId');
    if (orderId === null && clientOrderId === null) throw new VenueError(400, -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
    // The latest order wins when a client order id was reused after a fill.
    const found = [...this.allOrders].reverse().find((o) => o.symbol === symbol && (orderId === null || String(o.orderId) === orderId) && (clientOrderId === null || o.clientOrderId === clientOrderId));
    if (!found) throw new VenueError(400, -2013, 'Order does not exist.');
    return found;
  }

  private cancelOrder(params: URLSearchParams): unknown {
    let order: ServerOrder;
    try {
      order = this.findOrder(params);
    } catch (error) {
      if (error instanceof VenueError && error.code === -2013) throw new VenueError(400, -2011, 'Unknown order sent.');
      throw error;
    }
    if (!isOpen(order)) throw new VenueError(400, -2011, 'Unknown order sent.');
    order.status = 'CANCELED';
    order.updateTime = this.now();
    const cancelId = params.get('newClientOrderId') ?? `cancel-${randomUUID().replace(/-/g, '').slice(0, 20)}`;
    this.report(order, 'CANCELED', undefined, cancelId);
    return { symbol: order.symbol, origClientOrderId: order.clientOrderId, orderId: order.orderId, orderListId: -1, clientOrderId: cancelId, transactTime: order.updateTime, ...orderFields(order), selfTradePreventionMode: 'NONE' };
  }

  private myTrades(params: URLSearchParams): unknown {
    const symbol = required(params, 'symbol');
    this.symbolDef(symbol);
    const orderId = params.get('orderId');
    return this.allOrders
      .filter((o) => o.symbol === symbol && (orderId === null || String(o.orderId) === orderId))
      .flatMap((o) => o.trades.map((t) => ({
        symbol, id: t.id, orderId: o.orderId, orderListId: -1, price: decimal(t.price), qty: decimal(t.qty), quoteQty: decimal(t.quoteQty),
        commission: decimal(t.commission), commissionAsset: t.commissionAsset, time: t.time, isBuyer: t.isBuyer, isMaker: t.isMaker, isBestMatch: true,
      })))
      .sort((a, b) => a.id - b.id);
  }

  private symbolDef(symbol: string): SymbolDef {
    const def = this.symbols.get(symbol);
    if (!def) throw new VenueError(400, -1121, 'Invalid symbol.');
    return def;
  }

  private addWeight(weight: number): void {
    const minute = this.currentMinute();
    if (minute !== this.weightMinute) {
      this.weightMinute = minute;
      this.weight = 0;
    }
    this.weight += weight;
  }

  private currentMinute(): number {
    return Math.floor(Date.now() / 60_000);
  }

  // ---- WebSocket API: user data stream ----------------------------------------------------------

  private onWsConnection(socket: WebSocket): void {
    this.wsConnections += 1;
    socket.on('message', (data) => this.onWsMessage(socket, data.toString()));
    socket.on('close', () => this.subscriptions.delete(socket));
    socket.on('error', () => this.subscriptions.delete(socket));
  }

  private onWsMessage(socket: WebSocket, text: string): void {
    let request: { id?: unknown; method?: unknown; params?: Record<string, unknown> };
    try {
      request = JSON.parse(text) as typeof request;
    } catch {
      socket.send(JSON.stringify({ id: null, status: 400, error: { code: -1000, msg: 'Malformed request.' } }));
      return;
    }
    const id = request.id ?? null;
    const answer = (status: number, result: unknown): void => socket.send(JSON.stringify(status === 200 ? { id, status, result } : { id, status, error: result }));
    switch (request.method) {
      case 'userDataStream.subscribe.signature': {
        const failure = this.checkWsSignature(request.params ?? {});
        if (failure) return answer(failure.status, { code: failure.code, msg: failure.message });
        if (this.subscriptions.has(socket)) return answer(400, { code: -2035, msg: 'User Data Stream subscription already active.' });
        const subscriptionId = this.nextSubscriptionId++;
        this.subscriptions.set(socket, subscriptionId);
        return answer(200, { subscriptionId });
      }
      case 'userDataStream.unsubscribe':
        this.subscriptions.delete(socket);
        return answer(200, {});
      case 'session.subscriptions':
        return answer(200, this.subscriptions.has(socket) ? [{ subscriptionId: this.subscriptions.get(socket) }] : []);
      case 'ping':
        return answer(200, {});
      default:
        return answer(400, { code: -1020, msg: `Unknown method ${String(request.method)}.` });
    }
  }

  private checkWsSignature(params: Record<string, unknown>): VenueError | undefined {
    if (params.apiKey !== this.apiKey) return new VenueError(401, -2015, 'Invalid API-key, IP, or permissions for action.');
    if (typeof params.signature !== 'string') return mandatory('signature');
    const payload = Object.keys(params).filter((k) => k !== 'signature').sort().map((k) => `${k}=${String(params[k])}`).join('&');
    const expected = createHmac('sha256', this.apiSecret).update(payload).digest('hex');
    if (expected !== params.signature.toLowerCase()) return new VenueError(400, -1022, 'Signature for this request is not valid.');
    const timestamp = Number(params.timestamp);
    const recvWindow = params.recvWindow === undefined ? 5000 : Number(params.recvWindow);
    const serverTime = this.now();
    if (!Number.isFinite(timestamp) || timestamp >= serverTime + 1000 || serverTime - timestamp > recvWindow) {
      return new VenueError(400, -1021, 'Timestamp for this request is outside of the recvWindow.');
    }
    return undefined;
  }

  /** An executionReport to every subscribed connection. */
  private report(order: ServerOrder, execution: 'NEW' | 'TRADE' | 'CANCELED' | 'EXPIRED', trade?: ServerTrade, cancelId?: string): void {
    const event = {
      e: 'executionReport', E: this.now(), s: order.symbol,
      c: cancelId ?? order.clientOrderId, S: order.side, o: order.type, f: order.timeInForce,
      q: decimal(order.origQty), p: decimal(order.price), P: '0.00000000', F: '0.00000000', g: -1,
      C: cancelId ? order.clientOrderId : '', x: execution, X: order.status, r: 'NONE', i: order.orderId,
      l: decimal(trade?.qty ?? 0n), z: decimal(order.executedQty), L: decimal(trade?.price ?? 0n),
      n: decimal(trade?.commission ?? 0n), N: trade?.commissionAsset ?? null, T: trade?.time ?? order.updateTime,
      t: trade?.id ?? -1, I: this.nextTradeId * 2, w: isOpen(order), m: trade?.isMaker ?? false, M: false,
      O: order.time, Z: decimal(order.cumQuote), Y: decimal(trade?.quoteQty ?? 0n), Q: '0.00000000', W: order.time, V: 'NONE',
      ...(order.expiryReason ? { eR: order.expiryReason } : {}),
    };
    for (const [socket, subscriptionId] of this.subscriptions) {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ subscriptionId, event }));
    }
  }
}

function ok(body: unknown): Answer {
  return { status: 200, body };
}

function isOpen(order: ServerOrder): boolean {
  return order.status === 'NEW' || order.status === 'PARTIALLY_FILLED';
}

function orderFields(order: ServerOrder): Record<string, unknown> {
  return {
    price: decimal(order.price), origQty: decimal(order.origQty), executedQty: decimal(order.executedQty),
    origQuoteOrderQty: '0.00000000', cummulativeQuoteQty: decimal(order.cumQuote), status: order.status,
    timeInForce: order.timeInForce, type: order.type, side: order.side,
    ...(order.expiryReason ? { expiryReason: order.expiryReason } : {}),
  };
}

function orderJson(order: ServerOrder): unknown {
  return {
    symbol: order.symbol, orderId: order.orderId, orderListId: -1, clientOrderId: order.clientOrderId, ...orderFields(order),
    stopPrice: '0.00000000', icebergQty: '0.00000000', time: order.time, updateTime: order.updateTime, isWorking: isOpen(order),
    workingTime: order.time, selfTradePreventionMode: 'NONE',
  };
}

function units(text: string): bigint {
  const match = /^(\d+)(?:\.(\d{1,8}))?$/.exec(text);
  if (!match) throw new Error(`not a decimal with at most 8 places: ${text}`);
  return BigInt(match[1]!) * SCALE + BigInt((match[2] ?? '').padEnd(8, '0'));
}

function decimal(value: bigint): string {
  const sign = value < 0n ? '-' : '';
  const abs = value < 0n ? -value : value;
  return `${sign}${abs / SCALE}.${(abs % SCALE).toString().padStart(8, '0')}`;
}

function required(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null || value === '') throw mandatory(name);
  return value;
}

function amount(params: URLSearchParams, name: string): bigint {
  const text = required(params, name);
  if (/^\d+\.\d{9,}$/.test(text)) throw new VenueError(400, -1111, `Parameter '${name}' has too much precision.`);
  if (!/^\d+(\.\d+)?$/.test(text)) throw new VenueError(400, -1100, `Illegal characters found in parameter '${name}'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.`);
  return units(text);
}

function mandatory(name: string): VenueError {
  return new VenueError(400, -1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`);
}

/** The signed payload: the raw string minus its `signature=` pair. */
function withoutSignature(raw: string): string {
  if (raw === '') return '';
  return raw.split('&').filter((pair) => !pair.startsWith('signature=')).join('&');
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
