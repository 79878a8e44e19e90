import { expect } from 'chai';
import { Wallet } from 'ethers';
import type { Subscription } from 'rxjs';
import { HyperliquidExchange, HyperliquidKeyError, type HyperliquidExchangeOptions } from '../../../../adapters/exchange/hyperliquid/hyperliquid-exchange.js';
import { ClientOrderIdError, cloidOf } from '../../../../adapters/exchange/hyperliquid/wire.js';
import { clientOrderId } from '../../../../actors/execution/client-order-id.js';
import { ExchangeUnavailableError, type Fill, type OrderRequest } from '../../../../runtime/ports/exchange.js';
import { HyperliquidTestServer } from '../../../support/hyperliquid-server.js';
import { waitFor } from '../../../support/wait.js';

const KEY = '0x0123456789012345678901234567890123456789012345678901234567890123';
const OTHER_KEY = '0x' + '11'.repeat(32);
const ACCOUNT = new Wallet(KEY).address;
const TIMEOUT_MS = 300;

let sequence = 0;
function request(over: Partial<OrderRequest> = {}): OrderRequest {
  sequence += 1;
  return {
    clientOrderId: clientOrderId(`signal-${sequence}`),
    token: 'ETH',
    side: 'buy',
    size: 0.01,
    price: 3000,
    reduceOnly: false,
    ts: 1_700_000_000_000,
    ...over,
  };
}

describe('HyperliquidExchange against a local Hyperliquid', () => {
  let server: HyperliquidTestServer;
  const exchanges: HyperliquidExchange[] = [];
  const subscriptions: Subscription[] = [];

  function connect(over: Partial<HyperliquidExchangeOptions> = {}): HyperliquidExchange {
    const exchange = new HyperliquidExchange({
      baseUrl: server.baseUrl,
      privateKey: KEY,
      testnet: true,
      requestTimeoutMs: TIMEOUT_MS,
      ws: { reconnectMinMs: 20, reconnectMaxMs: 200 },
      ...over,
    });
    exchanges.push(exchange);
    return exchange;
  }

  function collectFills(exchange: HyperliquidExchange): Fill[] {
    const fills: Fill[] = [];
    subscriptions.push(exchange.fills.subscribe((fill) => fills.push(fill)));
    return fills;
  }

  beforeEach(async () => {
    server = await HyperliquidTestServer.start({ signer: ACCOUNT });
  });

  afterEach(async () => {
    for (const subscription of subscriptions.splice(0)) subscription.unsubscribe();
    await Promise.all(exchanges.splice(0).map((exchange) => exchange.close()));
    await server.close();
  });

  describe('placing', () => {
    it('places a marketable buy as an IOC limit at the reference plus slippage and is confirmed filled', async () => {
      const order = request();
      const result = await connect().place(order);
      expect(result).to.deep.include({ outcome: 'confirmed', duplicate: false });
      if (result.outcome !== 'confirmed') return;
      expect(result.order).to.deep.include({ clientOrderId: order.clientOrderId, token: 'ETH', side: 'buy', size: 0.01, filledSize: 0.01, status: 'filled', fills: [] });
      expect(result.order.venueOrderId).to.match(/^\d+$/);
      // 3000 * (1 + 50 / 1e4) = 3015
      expect(server.recordedOrder(cloidOf(order.clientOrderId))).to.deep.include({ limitPx: '3015', origSz: '0.01', tif: 'Ioc', side: 'B', reduceOnly: false });
    });

    it('prices a marketable sell below the reference by the configured slippage, to 5 significant figures', async () => {
      server.setMid('ETH', 3000);
      const order = request({ side: 'sell', price: 3001.2345 });
      const result = await connect({ maxSlippageBps: 10 }).place(order);
      expect(result.outcome).to.equal('confirmed');
      // 3001.2345 * (1 - 10 / 1e4) = 2998.2332655 -> 2998.2
      expect(server.recordedOrder(cloidOf(order.clientOrderId))).to.deep.include({ limitPx: '2998.2', side: 'A', tif: 'Ioc' });
    });

    it('reports an IOC that only partly fills as partially-filled, and order() as cancelled with the filled size', async () => {
      server.setLiquidity('ETH', 0.004);
      const exchange = connect();
      const order = request();
      const result = await exchange.place(order);
      expect(result.outcome === 'confirmed' && result.order).to.deep.include({ status: 'partially-filled', filledSize: 0.004, size: 0.01 });
      const state = await exchange.order(order.clientOrderId, 'ETH');
      expect(state).to.deep.include({ status: 'cancelled', filledSize: 0.004, size: 0.01 });
      expect(state?.fills.map((f) => f.size)).to.deep.equal([0.004]);
    });

    it('rests a GTC below the market, lists it as open, then cancels it by client order id', async () => {
      const exchange = connect();
      const order = request({ limitPrice: 2900, timeInForce: 'gtc' });
      const placed = await exchange.place(order);
      expect(placed.outcome === 'confirmed' && placed.order).to.deep.include({ status: 'open', filledSize: 0 });
      expect(server.recordedOrder(cloidOf(order.clientOrderId))).to.deep.include({ limitPx: '2900', tif: 'Gtc' });
      expect((await exchange.openOrders()).map((o) => o.clientOrderId)).to.deep.equal([order.clientOrderId]);

      const cancelled = await exchange.cancel(order.clientOrderId, 'ETH');
      expect(cancelled.outcome).to.equal('confirmed');
      expect(cancelled.outcome === 'confirmed' && cancelled.order).to.deep.include({ clientOrderId: order.clientOrderId, status: 'cancelled', filledSize: 0 });
      expect(await exchange.openOrders()).to.deep.equal([]);

      const again = await exchange.cancel(order.clientOrderId, 'ETH');
      expect(again).to.deep.include({ outcome: 'rejected' });
      expect(again.outcome === 'rejected' && again.reason).to.match(/never placed, already canceled, or filled/);
    });

    it('sends ALO orders as Alo and passes on the venue refusing one that would cross', async () => {
      const exchange = connect();
      const resting = request({ limitPrice: 2950, timeInForce: 'alo' });
      expect((await exchange.place(resting)).outcome).to.equal('confirmed');
      expect(server.recordedOrder(cloidOf(resting.clientOrderId))).to.deep.include({ tif: 'Alo', status: 'open' });
      const crossing = await exchange.place(request({ limitPrice: 3050, timeInForce: 'alo' }));
      expect(crossing.outcome === 'rejected' && crossing.reason).to.match(/Post only order would have immediately matched/);
    });

    it('rejects an unknown coin without sending anything', async () => {
      const result = await connect().place(request({ token: 'DOGE' }));
      expect(result).to.deep.equal({ outcome: 'rejected', reason: 'unknown coin DOGE (token DOGE)' });
      expect(server.orderActionsReceived).to.equal(0);
    });

    it('maps tokens to coins through the coins option', async () => {
      const exchange = connect({ coins: { WETH: 'ETH' } });
      const order = request({ token: 'WETH' });
      const result = await exchange.place(order);
      expect(result.outcome === 'confirmed' && result.order.token).to.equal('WETH');
      expect(server.recordedOrder(cloidOf(order.clientOrderId))?.coin).to.equal('ETH');
      expect(await exchange.positions()).to.deep.equal([{ token: 'WETH', size: 0.01, entryPrice: 3000 }]);
    });

    it('rejects a size that rounds to zero at the asset decimals without sending anything', async () => {
      const result = await connect().place(request({ size: 0.00001 }));
      expect(result.outcome === 'rejected' && result.reason).to.match(/size 0.00001 rounds to 0 with 4 decimals/);
      expect(server.orderActionsReceived).to.equal(0);
    });

    it('passes on the venue rejecting an order with its reason', async () => {
      const order = request({ size: 0.001 }); // $3 notional
      const result = await connect().place(order);
      expect(result).to.deep.equal({ outcome: 'rejected', reason: 'Order must have minimum value of $10. asset=1' });
      expect(server.ordersReceivedFor(cloidOf(order.clientOrderId))).to.equal(1);
    });

    it('is rejected when signed by a key the venue does not know, and nothing is recorded', async () => {
      const order = request();
      const result = await connect({ privateKey: OTHER_KEY, accountAddress: ACCOUNT }).place(order);
      expect(result.outcome).to.equal('rejected');
      expect(result.outcome === 'rejected' && result.reason).to.match(/User or API Wallet 0x[0-9a-f]{40} does not exist/);
      expect(server.ordersRecordedFor(cloidOf(order.clientOrderId))).to.equal(0);
    });

    it('takes the key from a getter on every request, so a rotated key is used at once', async () => {
      let key = OTHER_KEY;
      const exchange = connect({ privateKey: () => key, accountAddress: ACCOUNT });
      expect((await exchange.place(request())).outcome).to.equal('rejected');
      key = KEY;
      expect((await exchange.place(request())).outcome).to.equal('confirmed');
    });

    it('refuses a rotated key that signs for another account when the account was taken from the key', async () => {
      let key = KEY;
      const exchange = connect({ privateKey: () => key });
      expect((await exchange.place(request())).outcome).to.equal('confirmed');
      key = OTHER_KEY;
      const refused = await exchange.place(request());
      expect(refused.outcome).to.equal('rejected');
      const reason = refused.outcome === 'rejected' ? refused.reason : '';
      expect(reason).to.match(/not sent, signing failed: the rotated Hyperliquid key belongs to another account/);
      expect(reason).to.not.include(OTHER_KEY.slice(2));
      expect(server.orderActionsReceived).to.equal(1);
    });

    it('keeps nonces strictly increasing when the clock repeats', async () => {
      const exchange = connect({ now: () => 1_700_000_000_000 });
      expect((await exchange.place(request())).outcome).to.equal('confirmed');
      expect((await exchange.place(request())).outcome).to.equal('confirmed');
    });

    it('refuses a client order id that has no cloid twin', async () => {
      let error: unknown;
      await connect().place(request({ clientOrderId: 'order-1' })).catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(ClientOrderIdError);
      expect(server.orderActionsReceived).to.equal(0);
    });

    it('rejects with retryAfterMs when rate limited with Retry-After', async () => {
      server.respondNext(1, 429, { 'retry-after': '2' });
      const result = await connect().place(request());
      expect(result).to.deep.include({ outcome: 'rejected', retryAfterMs: 2000 });
    });

    it('never shows the private key in an error', async () => {
      const badKey = '0xnot-a-key-' + 'ab'.repeat(20);
      expect(() => connect({ privateKey: badKey })).to.throw(HyperliquidKeyError).with.property('message').that.does.not.include(badKey);
      const result = await connect({ privateKey: () => badKey, accountAddress: ACCOUNT }).place(request());
      expect(result.outcome).to.equal('rejected');
      expect(JSON.stringify(result)).to.not.include(badKey).and.not.include(badKey.slice(2));
      expect(server.orderActionsReceived).to.equal(0);
    });
  });

  describe('unresolved orders', () => {
    it('treats a 500 as unresolved; order() then finds the order, and the venue saw it once', async () => {
      server.failNext(1, { process: true });
      const exchange = connect();
      const order = request();
      const result = await exchange.place(order);
      expect(result.outcome).to.equal('unresolved');
      expect(result.outcome === 'unresolved' && result.reason).to.match(/HTTP 500/);
      const state = await exchange.order(order.clientOrderId, 'ETH');
      expect(state).to.deep.include({ clientOrderId: order.clientOrderId, status: 'filled', filledSize: 0.01 });
      expect(state?.fills).to.have.length(1);
      expect(server.ordersReceivedFor(cloidOf(order.clientOrderId))).to.equal(1);
      expect(server.ordersRecordedFor(cloidOf(order.clientOrderId))).to.equal(1);
    });

    it('treats a 500 as unresolved; order() says the venue never took it when it did not', async () => {
      server.failNext(1, { process: false });
      const exchange = connect();
      const order = request();
      expect((await exchange.place(order)).outcome).to.equal('unresolved');
      expect(await exchange.order(order.clientOrderId, 'ETH')).to.equal(undefined);
      expect(server.ordersReceivedFor(cloidOf(order.clientOrderId))).to.equal(1);
    });

    it('treats a request the venue never answers as unresolved after the timeout, then reconciles it', async () => {
      server.hangNext();
      const exchange = connect();
      const order = request();
      const started = Date.now();
      const result = await exchange.place(order);
      expect(result).to.deep.equal({ outcome: 'unresolved', reason: 'POST /exchange: timed out' });
      expect(Date.now() - started).to.be.at.least(TIMEOUT_MS - 10);
      expect(await exchange.order(order.clientOrderId, 'ETH')).to.deep.include({ status: 'filled', filledSize: 0.01 });
      expect(server.ordersReceivedFor(cloidOf(order.clientOrderId))).to.equal(1);
    });

    it('treats a dropped connection as unresolved, then reconciles it whether or not the venue acted', async () => {
      const exchange = connect();
      server.destroyNext({ process: true });
      const taken = request();
      expect((await exchange.place(taken)).outcome).to.equal('unresolved');
      expect(await exchange.order(taken.clientOrderId, 'ETH')).to.deep.include({ status: 'filled' });

      server.destroyNext({ process: false });
      const lost = request();
      expect((await exchange.place(lost)).outcome).to.equal('unresolved');
      expect(await exchange.order(lost.clientOrderId, 'ETH')).to.equal(undefined);
      expect(server.ordersReceivedFor(cloidOf(taken.clientOrderId))).to.equal(1);
      expect(server.ordersReceivedFor(cloidOf(lost.clientOrderId))).to.equal(1);
    });

    it('answers a second place of the same client order id as a duplicate of the order the venue has', async () => {
      const exchange = connect();
      const order = request();
      expect((await exchange.place(order)).outcome).to.equal('confirmed');
      const again = await exchange.place(order);
      expect(again).to.deep.include({ outcome: 'confirmed', duplicate: true });
      expect(again.outcome === 'confirmed' && again.order).to.deep.include({ clientOrderId: order.clientOrderId, status: 'filled', filledSize: 0.01 });
      expect(server.ordersRecordedFor(cloidOf(order.clientOrderId))).to.equal(1);
    });

    it('returns undefined from order() for a client order id the venue has never seen', async () => {
      expect(await connect().order(clientOrderId('never-sent'), 'ETH')).to.equal(undefined);
    });
  });

  describe('reading the account', () => {
    it('lists open orders, ours by client order id and others as hl-<oid>', async () => {
      const exchange = connect();
      const ours = request({ limitPrice: 2500, timeInForce: 'gtc', size: 0.02 });
      await exchange.place(ours);
      const foreignOid = server.addRestingOrder({ coin: 'SOL', side: 'sell', px: 200, sz: 1.5 });
      const open = await exchange.openOrders();
      expect(open).to.have.deep.members([
        { clientOrderId: ours.clientOrderId, token: 'ETH', side: 'buy', size: 0.02, filledSize: 0, status: 'open', fills: [], venueOrderId: open.find((o) => o.token === 'ETH')!.venueOrderId },
        { clientOrderId: `hl-${foreignOid}`, token: 'SOL', side: 'sell', size: 1.5, filledSize: 0, status: 'open', fills: [], venueOrderId: String(foreignOid) },
      ]);
    });

    it('reports a resting order that is partly filled as partially-filled', async () => {
      const exchange = connect();
      const order = request({ limitPrice: 2500, timeInForce: 'gtc', size: 0.02 });
      const placed = await exchange.place(order);
      const oid = Number(placed.outcome === 'confirmed' && placed.order.venueOrderId);
      server.fillResting(oid, 0.005);
      expect(await exchange.order(order.clientOrderId, 'ETH')).to.deep.include({ status: 'partially-filled', filledSize: 0.005, size: 0.02 });
      expect((await exchange.openOrders())[0]).to.deep.include({ status: 'partially-filled', filledSize: 0.005 });
    });

    it('reports signed positions with entry prices', async () => {
      const exchange = connect();
      await exchange.place(request({ token: 'ETH', side: 'buy', size: 0.01, price: 3000 }));
      await exchange.place(request({ token: 'SOL', side: 'sell', size: 0.1, price: 150 }));
      expect(await exchange.positions()).to.have.deep.members([
        { token: 'ETH', size: 0.01, entryPrice: 3000 },
        { token: 'SOL', size: -0.1, entryPrice: 150 },
      ]);
    });

    it('throws ExchangeUnavailableError when the venue cannot be asked', async () => {
      const exchange = connect();
      server.failNext(1, { endpoint: 'info' });
      let error: unknown = await exchange.openOrders().catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ExchangeUnavailableError).with.property('message').that.matches(/^hyperliquid: info openOrders: .*HTTP 500/);
      server.hangNext({ endpoint: 'info' });
      error = await exchange.positions().catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ExchangeUnavailableError).with.property('message', 'hyperliquid: info clearinghouseState: POST /info: timed out');
      server.destroyNext({ endpoint: 'info' });
      error = await exchange.order(clientOrderId('x'), 'ETH').catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ExchangeUnavailableError);
    });

    it('rejects an order, without sending it, when the market list cannot be loaded, and loads it on the next try', async () => {
      const exchange = connect();
      server.failNext(1, { endpoint: 'info' });
      const first = await exchange.place(request());
      expect(first.outcome === 'rejected' && first.reason).to.match(/market metadata unavailable, order not sent/);
      expect(server.orderActionsReceived).to.equal(0);
      expect((await exchange.place(request())).outcome).to.equal('confirmed');
    });
  });

  describe('the fill stream', () => {
    it('streams fills with fee, trade id and client order id', async () => {
      const exchange = connect();
      const fills = collectFills(exchange);
      await waitFor('the userFills subscription', () => server.subscribers('userFills') === 1 && server.subscribers('orderUpdates') === 1);
      const order = request();
      const before = Date.now();
      await exchange.place(order);
      const fill = await waitFor('the fill', () => fills.find((f) => f.clientOrderId === order.clientOrderId));
      expect(fill).to.deep.include({ token: 'ETH', side: 'buy', size: 0.01, price: 3000, fee: 0.0135 });
      expect(fill.fillId).to.match(/^\d+$/);
      expect(fill.ts).to.be.within(before, Date.now());
      const state = await exchange.order(order.clientOrderId, 'ETH');
      expect(state?.fills).to.deep.equal([fill]);
    });

    it('reconnects after the venue drops the socket, subscribes again, and later fills still arrive', async () => {
      const exchange = connect();
      const fills = collectFills(exchange);
      await waitFor('the first subscription', () => server.subscribers('userFills') === 1);
      server.dropWsClients();
      await waitFor('a second connection, subscribed again', () => server.wsConnections === 2 && server.subscribers('userFills') === 1 && server.subscribers('orderUpdates') === 1);
      expect(server.subscribeRequests.get('userFills')).to.equal(2);
      const order = request();
      await exchange.place(order);
      await waitFor('the fill after reconnecting', () => fills.find((f) => f.clientOrderId === order.clientOrderId));
    });

    it('passes on the snapshot after a reconnect, which holds the fills made while disconnected', async () => {
      const exchange = connect({ ws: { reconnectMinMs: 1_000, reconnectMaxMs: 1_000 } });
      const fills = collectFills(exchange);
      await waitFor('the first subscription', () => server.subscribers('userFills') === 1);
      server.dropWsClients();
      await waitFor('the socket to be gone', () => server.subscribers('userFills') === 0);
      const order = request();
      expect((await exchange.place(order)).outcome).to.equal('confirmed');
      expect(server.wsConnections).to.equal(1);
      const fill = await waitFor('the missed fill from the snapshot', () => fills.find((f) => f.clientOrderId === order.clientOrderId), 5_000);
      expect(fill).to.deep.include({ size: 0.01, price: 3000 });
      expect(server.wsConnections).to.equal(2);
    });

    it('pings the venue to keep the socket alive', async () => {
      const exchange = connect({ ws: { pingIntervalMs: 20 } });
      collectFills(exchange);
      await waitFor('two pings', () => server.pingsReceived >= 2);
    });

    it('completes the stream on close and opens no socket afterwards', async () => {
      const exchange = connect();
      let completed = false;
      subscriptions.push(exchange.fills.subscribe({ complete: () => (completed = true) }));
      await waitFor('the subscription', () => server.subscribers('userFills') === 1);
      await exchange.close();
      expect(completed).to.equal(true);
      await waitFor('the server to see the socket close', () => server.subscribers('userFills') === 0);
      let lateCompleted = false;
      subscriptions.push(exchange.fills.subscribe({ complete: () => (lateCompleted = true) }));
      expect(lateCompleted).to.equal(true);
      expect(server.wsConnections).to.equal(1);
    });
  });
});
