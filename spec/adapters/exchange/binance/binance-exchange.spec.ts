import { expect } from 'chai';
import type { Subscription } from 'rxjs';
import { BinanceExchange, roundToStep, type BinanceExchangeOptions } from '../../../../adapters/exchange/binance/binance-exchange.js';
import { RateLimitGate } from '../../../../adapters/exchange/binance/rate-limits.js';
import { executionReportToFill, feeInQuote, type ExecutionReport } from '../../../../adapters/exchange/binance/user-stream.js';
import { ExchangeHaltedError, ExchangeUnavailableError, type Fill, type OrderRequest, type PlaceResult } from '../../../../runtime/ports/exchange.js';
import { BinanceTestServer } from '../../../support/binance-server.js';
import { waitFor } from '../../../support/wait.js';

const POST_ORDER = { method: 'POST', path: '/api/v3/order' } as const;

const order = (over: Partial<OrderRequest> = {}): OrderRequest => ({
  clientOrderId: 'rg-1',
  token: 'SOL',
  side: 'buy',
  size: 0.1,
  price: 150,
  reduceOnly: false,
  ts: 1_700_000_000_000,
  ...over,
});

function confirmed(result: PlaceResult): Extract<PlaceResult, { outcome: 'confirmed' }> {
  if (result.outcome !== 'confirmed') throw new Error(`expected confirmed, got ${JSON.stringify(result)}`);
  return result;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, the call succeeded');
}

describe('BinanceExchange (against the local Binance test server)', () => {
  let server: BinanceTestServer;
  let exchange: BinanceExchange;
  let subscription: Subscription | undefined;

  const open = (over: Partial<BinanceExchangeOptions> = {}): BinanceExchange => {
    exchange = new BinanceExchange({
      baseUrl: server.url,
      wsUrl: server.wsUrl,
      apiKey: server.apiKey,
      apiSecret: server.apiSecret,
      requestTimeoutMs: 2000,
      stream: { reconnectMinMs: 10, reconnectMaxMs: 100 },
      ...over,
    });
    return exchange;
  };

  beforeEach(async () => {
    server = await BinanceTestServer.start();
  });

  afterEach(async () => {
    subscription?.unsubscribe();
    subscription = undefined;
    await exchange?.close();
    await server.close();
  });

  it('names its venue binance', () => {
    expect(open().venue).to.equal('binance');
  });

  describe('place', () => {
    it('sends a marketable buy as an IOC limit at the slippage bound and confirms it with its fills', async () => {
      const result = confirmed(await open().place(order()));

      const [sent] = server.requestsTo('POST', '/api/v3/order');
      expect(sent!.params).to.include({
        symbol: 'SOLUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'IOC', price: '150.75', quantity: '0.1',
        newClientOrderId: 'rg-1', newOrderRespType: 'FULL', recvWindow: '5000',
      });
      expect(result.duplicate).to.equal(false);
      expect(result.order).to.include({ clientOrderId: 'rg-1', token: 'SOL', side: 'buy', status: 'filled', size: 0.1, filledSize: 0.1 });
      expect(result.order.venueOrderId).to.equal(String(server.ordersFor('rg-1')[0]!.orderId));
      expect(result.order.fills).to.have.length(1);
      const fill = result.order.fills[0]!;
      expect(fill).to.include({ fillId: `SOLUSDT:${server.orders[0]!.trades[0]!.id}`, clientOrderId: 'rg-1', token: 'SOL', side: 'buy', size: 0.1, price: 150 });
      // The buyer pays 0.1% in SOL (0.0001 SOL), converted at the fill price: 0.015 USDT.
      expect(fill.fee).to.be.closeTo(0.015, 1e-12);
    });

    it('sends a marketable sell with its limit below the reference, rounded up to the tick', async () => {
      // 150.003 * (1 - 50/1e4) = 149.252985 -> 149.26 (a sell rounds up: never past the slippage bound)
      const result = confirmed(await open().place(order({ side: 'sell', price: 150.003 })));
      expect(server.requestsTo('POST', '/api/v3/order')[0]!.params.price).to.equal('149.26');
      expect(result.order.status).to.equal('filled');
      // The seller pays 0.1% of 15 USDT in USDT.
      expect(result.order.fills[0]!.fee).to.be.closeTo(0.015, 1e-12);
    });

    it('formats price and quantity to the symbol filters: price toward the taker, quantity down to the step', async () => {
      open();
      confirmed(await exchange.place(order({ clientOrderId: 'rg-a', size: 0.12345, limitPrice: 151.239, timeInForce: 'gtc' })));
      confirmed(await exchange.place(order({ clientOrderId: 'rg-b', token: 'BTC', size: 0.000123456, price: 60_000, limitPrice: 60_100.019 })));
      const [a, b] = server.requestsTo('POST', '/api/v3/order');
      expect(a!.params).to.include({ quantity: '0.123', price: '151.23', timeInForce: 'GTC' });
      expect(b!.params).to.include({ symbol: 'BTCUSDT', quantity: '0.00012', price: '60100.01' });
      expect(roundToStep(0.3, '0.10000000', 'down')).to.equal('0.3');
      expect(roundToStep(149.252985, '0.01000000', 'up')).to.equal('149.26');
      expect(roundToStep(12, '10.00000000', 'down')).to.equal('10');
      expect(roundToStep(0.123456789, '0.00000000', 'down')).to.equal('0.12345679');
    });

    it('rejects below minNotional or minQty locally: the server sees no order request', async () => {
      open();
      const small = await exchange.place(order({ size: 0.01 }));
      expect(small).to.deep.include({ outcome: 'rejected' });
      expect((small as { reason: string }).reason).to.match(/notional 0\.01 x 150\.75 = 1\.5075 is below minNotional 5 USDT for SOLUSDT/);
      const tiny = await exchange.place(order({ clientOrderId: 'rg-2', size: 0.0004 }));
      expect((tiny as { reason: string }).reason).to.match(/below minQty 0\.001 for SOLUSDT/);
      expect(server.requestsTo('POST', '/api/v3/order')).to.have.length(0);
      expect(server.requestsTo('GET', '/api/v3/order')).to.have.length(0);
      expect(server.orders).to.have.length(0);
    });

    it('rejects a client order id Binance would refuse without asking the venue', async () => {
      const result = await open().place(order({ clientOrderId: 'rg:1/with spaces' }));
      expect(result.outcome).to.equal('rejected');
      expect((result as { reason: string }).reason).to.match(/not valid on Binance/);
      expect(server.requests).to.have.length(0);
    });

    it('answers a wrong secret with the venue -1022 reason, never showing the credentials', async () => {
      let secret = 'not-the-secret-at-all-0123456789';
      open({ apiSecret: () => secret });
      const result = await exchange.place(order());
      expect(result).to.deep.include({ outcome: 'rejected', code: '-1022' });
      const reason = (result as { reason: string }).reason;
      expect(reason).to.include('Signature for this request is not valid.');
      expect(reason).to.not.include(secret);
      expect(reason).to.not.include(server.apiKey);
      const error = await rejection(exchange.order('rg-1', 'SOL'));
      expect(error).to.be.instanceOf(ExchangeUnavailableError);
      expect((error as Error).message).to.include('-1022');
      expect(server.orders).to.have.length(0);

      secret = server.apiSecret; // a rotated secret takes effect on the next request
      expect(confirmed(await exchange.place(order())).order.status).to.equal('filled');
    });

    it('sends a reduceOnly order as a plain order (spot has no reduceOnly)', async () => {
      confirmed(await open().place(order({ side: 'sell', reduceOnly: true })));
      const [sent] = server.requestsTo('POST', '/api/v3/order');
      expect(sent!.params).to.not.have.property('reduceOnly');
      expect(sent!.params.side).to.equal('SELL');
    });

    it('sends alo as LIMIT_MAKER without timeInForce, and reports a crossing one as the venue refused it', async () => {
      open();
      const resting = confirmed(await exchange.place(order({ limitPrice: 149, timeInForce: 'alo' })));
      expect(resting.order.status).to.equal('open');
      expect(server.requestsTo('POST', '/api/v3/order')[0]!.params).to.include({ type: 'LIMIT_MAKER' }).and.not.have.property('timeInForce');
      const crossing = await exchange.place(order({ clientOrderId: 'rg-2', limitPrice: 151, timeInForce: 'alo' }));
      expect(crossing).to.deep.equal({ outcome: 'rejected', code: '-2010', reason: 'POST /api/v3/order: HTTP 400 -2010 Order would immediately match and take.' });
    });

    it('confirms a partly filled IOC as cancelled with what filled and why the rest expired', async () => {
      server.setLiquidity('SOLUSDT', '0.04');
      const result = confirmed(await open().place(order()));
      expect(result.order).to.include({ status: 'cancelled', size: 0.1, filledSize: 0.04, reason: 'expired (UNFILLED_IOC_QUANTITY_EXPIRED)' });
      expect(result.order.fills.map((f) => f.size)).to.deep.equal([0.04]);
    });

    it('resyncs its clock once on -1021 and the order goes through', async () => {
      server.setClockSkew(-30_000); // our timestamps are 30 s ahead of the venue
      const result = confirmed(await open().place(order()));
      expect(result.order.status).to.equal('filled');
      expect(server.requestsTo('GET', '/api/v3/time')).to.have.length(1);
      expect(server.ordersFor('rg-1')).to.have.length(1);
    });
  });

  describe('lost answers', () => {
    it('500: unresolved, then order() finds the one order the venue executed', async () => {
      server.failNext(1, { match: POST_ORDER, processed: true });
      open();
      const result = await exchange.place(order());
      expect(result.outcome).to.equal('unresolved');
      expect((result as { reason: string }).reason).to.match(/HTTP 500 .*execution status UNKNOWN/);

      const seen = await exchange.order('rg-1', 'SOL');
      expect(seen).to.include({ clientOrderId: 'rg-1', status: 'filled', filledSize: 0.1 });
      expect(seen!.fills.map((f) => f.fillId)).to.deep.equal([`SOLUSDT:${server.orders[0]!.trades[0]!.id}`]);
      expect(server.placeAttempts('rg-1')).to.equal(1);
      expect(server.ordersFor('rg-1')).to.have.length(1);
    });

    it('500 before execution: unresolved, then order() says the venue never saw it', async () => {
      server.failNext(1, { match: POST_ORDER, processed: false });
      open();
      expect((await exchange.place(order())).outcome).to.equal('unresolved');
      expect(await exchange.order('rg-1', 'SOL')).to.equal(undefined);
      expect(server.placeAttempts('rg-1')).to.equal(1);
      expect(server.orders).to.have.length(0);
    });

    it('no answer: unresolved after the request timeout, then reconciled; exactly one order', async () => {
      server.hangNext({ match: POST_ORDER });
      open({ requestTimeoutMs: 300 });
      const started = Date.now();
      const result = await exchange.place(order());
      expect(result).to.deep.equal({ outcome: 'unresolved', reason: 'POST /api/v3/order: no answer within 300 ms; execution status UNKNOWN' });
      expect(Date.now() - started).to.be.at.least(290);

      expect(await exchange.order('rg-1', 'SOL')).to.include({ status: 'filled', filledSize: 0.1 });
      expect(server.placeAttempts('rg-1')).to.equal(1);
      expect(server.ordersFor('rg-1')).to.have.length(1);
    });

    it('venue unreachable (connection refused): rejected, since nothing was sent; reads throw ExchangeUnavailableError', async () => {
      const gone = await BinanceTestServer.start();
      const baseUrl = gone.url;
      await gone.close();
      open({ baseUrl });
      const result = await exchange.place(order());
      expect(result.outcome).to.equal('rejected');
      expect((result as { reason: string }).reason).to.match(/could not connect \(ECONNREFUSED\); nothing sent/);
      expect(await rejection(exchange.openOrders())).to.be.instanceOf(ExchangeUnavailableError);
    });

    it('connection dropped before the answer: unresolved, then reconciled; exactly one order', async () => {
      server.destroyNext({ match: POST_ORDER });
      open();
      const result = await exchange.place(order());
      expect(result.outcome).to.equal('unresolved');
      expect((result as { reason: string }).reason).to.match(/^POST \/api\/v3\/order: connection failed .*execution status UNKNOWN$/);

      expect(await exchange.order('rg-1', 'SOL')).to.include({ status: 'filled' });
      expect(server.placeAttempts('rg-1')).to.equal(1);
      expect(server.ordersFor('rg-1')).to.have.length(1);
    });
  });

  describe('duplicates', () => {
    it('a repeated client order id is confirmed as a duplicate from the venue, with no second order', async () => {
      open();
      const first = confirmed(await exchange.place(order()));
      const again = confirmed(await exchange.place(order({ size: 5, price: 120 })));
      expect(again.duplicate).to.equal(true);
      expect(again.order).to.include({ status: 'filled', size: 0.1, venueOrderId: first.order.venueOrderId });
      expect(again.order.fills.map((f) => f.fillId)).to.deep.equal(first.order.fills.map((f) => f.fillId));
      expect(server.placeAttempts('rg-1')).to.equal(1);
      expect(server.ordersFor('rg-1')).to.have.length(1);
    });

    it('without the look-up, -2010 "Duplicate order sent." is looked up and confirmed as a duplicate', async () => {
      open({ lookupBeforePlace: false });
      confirmed(await exchange.place(order({ limitPrice: 140, timeInForce: 'gtc' }))); // rests: open
      const again = confirmed(await exchange.place(order({ limitPrice: 140, timeInForce: 'gtc' })));
      expect(again.duplicate).to.equal(true);
      expect(again.order).to.include({ status: 'open', clientOrderId: 'rg-1' });
      expect(server.placeAttempts('rg-1')).to.equal(2);
      expect(server.ordersFor('rg-1')).to.have.length(1);
    });

    it('without the look-up, the venue takes a filled order id again (why place() looks first by default)', async () => {
      open({ lookupBeforePlace: false });
      confirmed(await exchange.place(order()));
      expect(confirmed(await exchange.place(order())).duplicate).to.equal(false);
      expect(server.ordersFor('rg-1')).to.have.length(2);
    });
  });

  describe('rate limits', () => {
    it('tracks X-MBX-USED-WEIGHT-1M from every answer', async () => {
      open();
      expect(exchange.usedWeight1m).to.equal(undefined);
      confirmed(await exchange.place(order()));
      expect(exchange.usedWeight1m).to.be.greaterThan(0);
      expect(exchange.usedWeight1m).to.equal(server.usedWeight);
      await exchange.openOrders();
      expect(exchange.usedWeight1m).to.equal(server.usedWeight);
    });

    it('429: rejected with retryAfterMs; nothing reaches the server during the back-off; then requests flow again', async () => {
      server.rateLimitNext(1, POST_ORDER);
      open();
      const limited = await exchange.place(order());
      expect(limited).to.deep.include({ outcome: 'rejected' });
      const retryAfterMs = (limited as { retryAfterMs?: number }).retryAfterMs!;
      expect(retryAfterMs).to.be.greaterThan(0).and.at.most(1000);
      expect(server.orders).to.have.length(0);

      const seen = server.requests.length;
      const during = await exchange.place(order({ clientOrderId: 'rg-2' }));
      expect(during).to.deep.include({ outcome: 'rejected' });
      expect((during as { retryAfterMs?: number }).retryAfterMs).to.be.greaterThan(0).and.at.most(1000);
      expect((during as { reason: string }).reason).to.match(/backing off/);
      expect(await rejection(exchange.order('rg-1', 'SOL'))).to.be.instanceOf(ExchangeUnavailableError);
      expect(server.requests.length).to.equal(seen);

      await waitFor('the back-off to end', () => exchange.rateLimits.check().open, 3000);
      expect(confirmed(await exchange.place(order({ clientOrderId: 'rg-2' }))).order.status).to.equal('filled');
      expect(server.requests.length).to.be.greaterThan(seen);
    });

    it('418: halted; nothing reaches the server; place is rejected with halt and reads throw ExchangeHaltedError until resumed', async () => {
      server.banNext(120);
      open();
      const banned = await exchange.place(order());
      expect(banned).to.deep.include({ outcome: 'rejected', halt: true });
      expect((banned as { retryAfterMs?: number }).retryAfterMs).to.be.within(119_000, 120_000);
      expect(exchange.rateLimits.halted).to.equal(true);

      const seen = server.requests.length;
      expect(await exchange.place(order({ clientOrderId: 'rg-2' }))).to.deep.include({ outcome: 'rejected', halt: true });
      for (const read of [exchange.order('rg-1', 'SOL'), exchange.openOrders(), exchange.positions()]) {
        expect(await rejection(read)).to.be.instanceOf(ExchangeHaltedError);
      }
      expect((await exchange.cancel('rg-1', 'SOL')).outcome).to.equal('rejected');
      expect(server.requests.length).to.equal(seen);

      exchange.resume();
      expect(confirmed(await exchange.place(order())).order.status).to.equal('filled');
    });
  });

  describe('cancel, openOrders, positions', () => {
    it('cancels a resting order by client order id; a second cancel is refused with -2011', async () => {
      open();
      confirmed(await exchange.place(order({ limitPrice: 140, timeInForce: 'gtc' })));
      const cancelled = await exchange.cancel('rg-1', 'SOL');
      expect(cancelled.outcome).to.equal('confirmed');
      expect((cancelled as { order?: unknown }).order).to.include({ clientOrderId: 'rg-1', status: 'cancelled', filledSize: 0 });
      expect(server.ordersFor('rg-1')[0]!.status).to.equal('CANCELED');
      expect(server.requestsTo('DELETE', '/api/v3/order')[0]!.params).to.include({ symbol: 'SOLUSDT', origClientOrderId: 'rg-1' });

      expect(await exchange.cancel('rg-1', 'SOL')).to.deep.include({ outcome: 'rejected', code: '-2011' });
      expect(await exchange.cancel('rg-never', 'SOL')).to.deep.include({ outcome: 'rejected', code: '-2011' });
    });

    it('lists the open orders of every symbol with their tokens', async () => {
      open();
      confirmed(await exchange.place(order({ clientOrderId: 'rg-sol', limitPrice: 140, timeInForce: 'gtc' })));
      confirmed(await exchange.place(order({ clientOrderId: 'rg-btc', token: 'BTC', size: 0.001, price: 60_000, limitPrice: 59_000, timeInForce: 'gtc' })));
      confirmed(await exchange.place(order({ clientOrderId: 'rg-filled' })));
      const open_ = await exchange.openOrders();
      expect(open_.map((o) => [o.clientOrderId, o.token, o.status, o.size]).sort()).to.deep.equal([
        ['rg-btc', 'BTC', 'open', 0.001],
        ['rg-sol', 'SOL', 'open', 0.1],
      ]);
    });

    it('reports base-asset balances of the configured symbols as long positions with unknown entry price', async () => {
      open({ symbols: { SOL: 'SOLUSDT', BTC: 'BTCUSDT' } });
      confirmed(await exchange.place(order({ size: 1 })));
      const positions = await exchange.positions();
      // 1 SOL bought, 0.001 SOL commission; BTC 1 from the start; USDT is the quote, not a position.
      expect(positions).to.deep.equal([
        { token: 'SOL', size: 0.999, entryPrice: 0 },
        { token: 'BTC', size: 1, entryPrice: 0 },
      ]);
    });

    it('order() is undefined for an id the venue never saw', async () => {
      expect(await open().order('rg-unknown', 'SOL')).to.equal(undefined);
      expect(server.requestsTo('GET', '/api/v3/order')).to.have.length(1);
    });
  });

  describe('fills stream', () => {
    it('streams fills, reconnects after the connection drops, and later fills still arrive', async () => {
      open();
      const streamed: Fill[] = [];
      subscription = exchange.fills.subscribe((fill) => streamed.push(fill));
      await waitFor('the user data subscription', () => server.wsSubscriptionCount === 1);

      const placed = confirmed(await exchange.place(order()));
      const first = await waitFor('the first fill on the stream', () => streamed.find((f) => f.clientOrderId === 'rg-1'));
      const { ts: _streamTs, ...streamFields } = first;
      const { ts: _placeTs, ...placeFields } = placed.order.fills[0]!;
      expect(streamFields).to.deep.equal(placeFields);

      server.dropWsClients();
      await waitFor('the stream to reconnect and subscribe again', () => exchange.streamStatus.reconnects >= 1 && server.wsSubscriptionCount === 1 && exchange.streamStatus.subscribed);
      expect(exchange.streamStatus.subscriptions).to.equal(2);

      confirmed(await exchange.place(order({ clientOrderId: 'rg-2', side: 'sell' })));
      const second = await waitFor('a fill after the reconnect', () => streamed.find((f) => f.clientOrderId === 'rg-2'));
      expect(second).to.include({ token: 'SOL', side: 'sell', size: 0.1, price: 150 });
      expect(second.fillId).to.match(/^SOLUSDT:\d+$/);
    });

    it('keeps retrying a refused subscription, saying why', async () => {
      open({ apiSecret: 'not-the-secret-at-all-0123456789' });
      subscription = exchange.fills.subscribe(() => undefined);
      await waitFor('two refused attempts', () => exchange.streamStatus.reconnects >= 2);
      expect(exchange.streamStatus).to.include({ subscribed: false, subscriptions: 0 });
      expect(exchange.streamStatus.lastError).to.equal('user stream: subscription refused: 400 -1022 Signature for this request is not valid.');
    });

    it('streams the fill of a resting order when the market reaches it', async () => {
      open();
      const streamed: Fill[] = [];
      subscription = exchange.fills.subscribe((fill) => streamed.push(fill));
      await waitFor('the user data subscription', () => server.wsSubscriptionCount === 1);
      expect(confirmed(await exchange.place(order({ limitPrice: 149, timeInForce: 'gtc' }))).order.fills).to.deep.equal([]);
      server.setPrice('SOLUSDT', '148.5');
      const fill = await waitFor('the resting fill', () => streamed.find((f) => f.clientOrderId === 'rg-1'));
      expect(fill).to.include({ size: 0.1, price: 149, side: 'buy' });
      expect(fill.fee).to.be.closeTo(0.0001 * 149, 1e-12);
      expect(await exchange.order('rg-1', 'SOL')).to.deep.include({ status: 'filled', fills: [{ ...fill }] });
    });
  });

  it('close() completes the stream, drops the connection and refuses further calls without sending', async () => {
    await new Promise((resolve) => setImmediate(resolve)); // let mocha arm its own test timer first
    const timersBefore = activeTimers();
    open();
    let completed = false;
    subscription = exchange.fills.subscribe({ complete: () => (completed = true) });
    await waitFor('the user data subscription', () => server.wsSubscriptionCount === 1);
    confirmed(await exchange.place(order()));
    expect(activeTimers(), 'the stream heartbeat runs while subscribed').to.be.greaterThan(timersBefore);

    await exchange.close();
    expect(completed).to.equal(true);
    await waitFor('the server to see the socket go', () => server.wsClientCount === 0);
    await waitFor('no timers of ours left', () => activeTimers() <= timersBefore);
    const seen = server.requests.length;
    expect(await exchange.place(order({ clientOrderId: 'rg-2' }))).to.deep.include({ outcome: 'rejected' });
    expect(await rejection(exchange.order('rg-1', 'SOL'))).to.be.instanceOf(ExchangeUnavailableError);
    expect(server.requests.length).to.equal(seen);
    server.dropWsClients();
    expect(exchange.streamStatus.subscribed).to.equal(false);
  });
});

describe('RateLimitGate', () => {
  const headers = (entries: Record<string, string>): Headers => new Headers(entries);

  it('backs off for Retry-After seconds after a 429, then opens by itself', () => {
    let now = 1_000;
    const gate = new RateLimitGate(() => now);
    gate.observe(429, headers({ 'Retry-After': '3', 'X-MBX-USED-WEIGHT-1M': '6001' }));
    expect(gate.usedWeight1m).to.equal(6001);
    expect(gate.check()).to.deep.include({ open: false, halted: false, retryAfterMs: 3000 });
    now += 2_999;
    expect(gate.check()).to.deep.include({ open: false, retryAfterMs: 1 });
    now += 1;
    expect(gate.check()).to.deep.equal({ open: true });
  });

  it('halts after a 418 until Retry-After passes, or until resumed when there is none', () => {
    let now = 0;
    const gate = new RateLimitGate(() => now);
    gate.observe(418, headers({ 'Retry-After': '120' }));
    expect(gate.check()).to.deep.include({ open: false, halted: true, retryAfterMs: 120_000 });
    now = 120_000;
    expect(gate.halted).to.equal(false);

    gate.observe(418, headers({}));
    now = 10 * 24 * 3600_000;
    expect(gate.check()).to.deep.include({ open: false, halted: true });
    gate.resume();
    expect(gate.check()).to.deep.equal({ open: true });
  });
});

describe('Binance execution reports and fees', () => {
  const report = (over: Partial<ExecutionReport> = {}): ExecutionReport => ({
    e: 'executionReport', s: 'SOLUSDT', c: 'rg-1', C: '', S: 'BUY', x: 'TRADE', X: 'FILLED', i: 7,
    l: '0.10000000', L: '150.00000000', n: '0.00010000', N: 'SOL', T: 1_700_000_000_123, t: 42, ...over,
  });
  const context = { tokenOf: (symbol: string) => symbol.replace(/USDT$/, ''), assetsOf: () => ({ base: 'SOL', quote: 'USDT' }) };

  it('maps a TRADE report to a fill keyed by symbol and trade id, fee converted to the quote', () => {
    const fill = executionReportToFill(report(), context)!;
    expect(fill).to.deep.include({ fillId: 'SOLUSDT:42', clientOrderId: 'rg-1', token: 'SOL', side: 'buy', size: 0.1, price: 150, ts: 1_700_000_000_123 });
    expect(fill.fee).to.be.closeTo(0.015, 1e-12);
  });

  it('ignores reports that are not trades', () => {
    for (const x of ['NEW', 'CANCELED', 'EXPIRED', 'REJECTED']) expect(executionReportToFill(report({ x }), context)).to.equal(undefined);
  });

  it('keeps a fee paid in a third asset as its raw amount, and a quote fee as is', () => {
    const assets = { base: 'SOL', quote: 'USDT' };
    expect(feeInQuote(0.00002, 'BNB', 150, assets)).to.equal(0.00002);
    expect(feeInQuote(0.015, 'USDT', 150, assets)).to.equal(0.015);
    expect(feeInQuote(0, null, 150, assets)).to.equal(0);
  });
});

function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
}
