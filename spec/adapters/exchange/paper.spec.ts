// Specs for the paper exchange: fill prices and fees, idempotent client order ids, rejections,
// limit orders (marketable, cancelled, resting until a mark, post-only), reduce-only capping,
// partial fills streamed over time, cancels, open orders, net positions, latency and shutdown.
// Every exchange a spec opens is closed afterwards, so no fill or latency timer outlives it.
import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import { PaperExchange, type PaperExchangeOptions } from '../../../adapters/exchange/paper.js';
import { ExchangeUnavailableError, type CancelResult, type Exchange, type Fill, type OrderRequest, type PlaceResult } from '../../../runtime/ports/exchange.js';
import { waitFor } from '../../support/wait.js';

const T0 = 1_700_000_000_000;

const order = (over: Partial<OrderRequest> = {}): OrderRequest => ({
  clientOrderId: 'rg-1',
  token: 'SOL',
  side: 'buy',
  size: 2,
  price: 100,
  reduceOnly: false,
  ts: T0,
  ...over,
});

function confirmed(result: PlaceResult): Extract<PlaceResult, { outcome: 'confirmed' }> {
  if (result.outcome !== 'confirmed') throw new Error(`expected confirmed, got ${JSON.stringify(result)}`);
  return result;
}

function rejected(result: PlaceResult | CancelResult): Extract<PlaceResult | CancelResult, { outcome: 'rejected' }> {
  if (result.outcome !== 'rejected') throw new Error(`expected rejected, got ${JSON.stringify(result)}`);
  return result;
}

async function thrown(call: Promise<unknown>): Promise<Error> {
  return call.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error as Error,
  );
}

describe('PaperExchange', () => {
  const opened: PaperExchange[] = [];
  const venue = (options?: PaperExchangeOptions): PaperExchange => {
    const exchange = new PaperExchange(options);
    opened.push(exchange);
    return exchange;
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((exchange) => exchange.close()));
  });

  it('names its venue paper and serves as the Exchange port', () => {
    const port: Exchange = venue();
    expect(port.venue).to.equal('paper');
  });

  describe('constructor', () => {
    it('refuses negative or non-finite slippage, fee, interval and latency, naming the option', () => {
      expect(() => new PaperExchange({ slippageBps: -1 })).to.throw(RangeError, /slippageBps/);
      expect(() => new PaperExchange({ feeBps: Number.NaN })).to.throw(RangeError, /feeBps/);
      expect(() => new PaperExchange({ fillIntervalMs: -5 })).to.throw(RangeError, /fillIntervalMs/);
      expect(() => new PaperExchange({ latencyMs: Infinity })).to.throw(RangeError, /latencyMs/);
    });

    it('refuses fillSlices that is not an integer >= 1', () => {
      expect(() => new PaperExchange({ fillSlices: 0 })).to.throw(RangeError, /fillSlices/);
      expect(() => new PaperExchange({ fillSlices: 1.5 })).to.throw(RangeError, /fillSlices/);
    });
  });

  describe('place', () => {
    it('fills a buy in full at the reference price plus slippage, with fee on the notional', async () => {
      // 100 * (1 + 10/1e4) = 100.1; fee 2 * 100.1 * 5/1e4 = 0.1001
      const ex = venue({ slippageBps: 10, feeBps: 5 });
      const res = confirmed(await ex.place(order()));
      expect(res.duplicate).to.equal(false);
      expect(res.order).to.include({ clientOrderId: 'rg-1', token: 'SOL', side: 'buy', size: 2, filledSize: 2, status: 'filled', venueOrderId: 'paper-1' });
      expect(res.order.fills).to.have.length(1);
      const fill = res.order.fills[0]!;
      expect(fill).to.include({ fillId: 'rg-1:1', clientOrderId: 'rg-1', token: 'SOL', side: 'buy', size: 2, ts: T0 });
      expect(fill.price).to.be.closeTo(100.1, 1e-9);
      expect(fill.fee).to.be.closeTo(0.1001, 1e-12);
      expect(ex.allFills).to.deep.equal([fill]);
    });

    it('fills a sell in full at the reference price minus slippage', async () => {
      // 100 * (1 - 10/1e4) = 99.9; fee 2 * 99.9 * 5/1e4 = 0.0999
      const ex = venue({ slippageBps: 10, feeBps: 5 });
      const fill = confirmed(await ex.place(order({ clientOrderId: 'rg-s', side: 'sell' }))).order.fills[0]!;
      expect(fill).to.include({ fillId: 'rg-s:1', side: 'sell', size: 2 });
      expect(fill.price).to.be.closeTo(99.9, 1e-9);
      expect(fill.fee).to.be.closeTo(0.0999, 1e-12);
    });

    it('fills at the reference price with no fee by default', async () => {
      const fill = confirmed(await venue().place(order())).order.fills[0]!;
      expect(fill).to.include({ price: 100, fee: 0 });
    });

    it('answers a repeated client order id with the stored order, duplicate: true, and no new fill', async () => {
      const ex = venue({ slippageBps: 10 });
      const streamed: Fill[] = [];
      const sub = ex.fills.subscribe((f) => streamed.push(f));
      const first = confirmed(await ex.place(order()));
      const again = confirmed(await ex.place(order({ size: 50, price: 120, side: 'sell' })));
      sub.unsubscribe();
      expect(again.duplicate).to.equal(true);
      expect(again.order).to.include({ clientOrderId: 'rg-1', side: 'buy', size: 2, filledSize: 2, status: 'filled', venueOrderId: first.order.venueOrderId });
      expect(ex.placedCount).to.equal(1);
      expect(ex.allFills).to.deep.equal(first.order.fills);
      expect(streamed).to.deep.equal(first.order.fills);
      expect((await ex.order('rg-1'))?.fills).to.deep.equal(first.order.fills);
    });

    it('rejects a non-positive or non-finite size with a reason, and places nothing', async () => {
      const ex = venue();
      for (const [i, size] of [0, -1, Number.NaN, Infinity].entries()) {
        expect(rejected(await ex.place(order({ clientOrderId: `bad-size-${i}`, size }))).reason).to.match(/invalid size/);
      }
      expect(ex.allFills).to.deep.equal([]);
      expect(await ex.positions()).to.deep.equal([]);
    });

    it('rejects a non-positive or non-finite price with a reason, and places nothing', async () => {
      const ex = venue();
      for (const [i, price] of [0, -100, Number.NaN, -Infinity].entries()) {
        expect(rejected(await ex.place(order({ clientOrderId: `bad-price-${i}`, price }))).reason).to.match(/invalid price/);
      }
      expect(ex.allFills).to.deep.equal([]);
    });

    it('rejects a repeat of a rejected client order id again, even with valid values', async () => {
      const ex = venue();
      const first = rejected(await ex.place(order({ clientOrderId: 'rg-bad', size: 0 })));
      const again = rejected(await ex.place(order({ clientOrderId: 'rg-bad', size: 1 })));
      expect(again.reason).to.equal(first.reason);
      expect(ex.placedCount).to.equal(1);
      expect(ex.allFills).to.deep.equal([]);
      expect(await ex.order('rg-bad')).to.include({ status: 'rejected', reason: first.reason, filledSize: 0 });
    });

    it('counts distinct client order ids, rejected ones included', async () => {
      const ex = venue();
      await ex.place(order({ clientOrderId: 'a' }));
      await ex.place(order({ clientOrderId: 'b' }));
      await ex.place(order({ clientOrderId: 'a' }));
      await ex.place(order({ clientOrderId: 'c', size: 0 }));
      expect(ex.placedCount).to.equal(3);
      expect(ex.allFills.map((f) => f.fillId)).to.deep.equal(['a:1', 'b:1']);
    });

    it('rejects a reduce-only order that would open, grow or flip the position, and fills one that reduces', async () => {
      const ex = venue();
      expect(rejected(await ex.place(order({ clientOrderId: 'ro-flat', side: 'sell', reduceOnly: true }))).reason).to.match(/reduce-only sell of 2 would not reduce position 0/);
      confirmed(await ex.place(order({ clientOrderId: 'open', side: 'buy', size: 2 })));
      expect(rejected(await ex.place(order({ clientOrderId: 'ro-grow', side: 'buy', size: 1, reduceOnly: true }))).reason).to.match(/reduce-only buy/);
      expect(rejected(await ex.place(order({ clientOrderId: 'ro-flip', side: 'sell', size: 3, reduceOnly: true }))).reason).to.match(/would not reduce position 2/);
      const reduce = confirmed(await ex.place(order({ clientOrderId: 'ro-ok', side: 'sell', size: 2, reduceOnly: true })));
      expect(reduce.order).to.include({ status: 'filled', filledSize: 2 });
      expect(await ex.positions()).to.deep.equal([]);
      expect(ex.allFills.map((f) => f.fillId)).to.deep.equal(['open:1', 'ro-ok:1']);
    });

    it('checks reduce-only against a short position too', async () => {
      const ex = venue();
      confirmed(await ex.place(order({ clientOrderId: 'short', side: 'sell', size: 3 })));
      rejected(await ex.place(order({ clientOrderId: 'ro-sell', side: 'sell', size: 1, reduceOnly: true })));
      confirmed(await ex.place(order({ clientOrderId: 'ro-buy', side: 'buy', size: 1, reduceOnly: true })));
      expect(await ex.positions()).to.deep.equal([{ token: 'SOL', size: -2, entryPrice: 100 }]);
    });
  });

  describe('limit orders', () => {
    it('rejects a limit price that is not a positive finite number, with a reason, and fills nothing', async () => {
      const ex = venue();
      for (const [i, limitPrice] of [Number.NaN, 0, -50, Infinity].entries()) {
        const reason = rejected(await ex.place(order({ clientOrderId: `bad-limit-${i}`, limitPrice }))).reason;
        expect(reason).to.equal(`invalid limit price ${limitPrice}: must be a positive finite number`);
        expect(await ex.order(`bad-limit-${i}`)).to.include({ status: 'rejected', filledSize: 0, reason });
      }
      expect(ex.allFills).to.deep.equal([]);
      expect(await ex.positions()).to.deep.equal([]);
    });

    it('rejects an unknown time in force, and a post-only order without a limit price', async () => {
      const ex = venue();
      const odd = order({ clientOrderId: 'odd', limitPrice: 100, timeInForce: 'fok' as never });
      expect(rejected(await ex.place(odd)).reason).to.equal('invalid time in force "fok": must be ioc, gtc or alo');
      expect(rejected(await ex.place(order({ clientOrderId: 'alo', timeInForce: 'alo' }))).reason).to.match(/post-only \(alo\) order needs a limit price/);
      expect(ex.allFills).to.deep.equal([]);
    });

    it('fills a marketable limit order at the slipped reference price, never better', async () => {
      // The market is 100.1 for a buy and 99.9 for a sell.
      const ex = venue({ slippageBps: 10 });
      const price = async (over: Partial<OrderRequest>): Promise<number> => confirmed(await ex.place(order(over))).order.fills[0]!.price;
      expect(await price({ clientOrderId: 'buy-above', side: 'buy', limitPrice: 101 })).to.be.closeTo(100.1, 1e-9);
      expect(await price({ clientOrderId: 'buy-at', side: 'buy', limitPrice: 100.1 })).to.be.closeTo(100.1, 1e-9);
      expect(await price({ clientOrderId: 'sell-below', side: 'sell', limitPrice: 99 })).to.be.closeTo(99.9, 1e-9);
      expect(await price({ clientOrderId: 'sell-at', side: 'sell', limitPrice: 99.9, timeInForce: 'gtc' })).to.be.closeTo(99.9, 1e-9);
    });

    it("cancels a limit IOC that is not marketable, unfilled, with reason 'not marketable'", async () => {
      const ex = venue({ slippageBps: 10 });
      const far = confirmed(await ex.place(order({ clientOrderId: 'far', limitPrice: 50 })));
      expect(far.order).to.deep.include({ status: 'cancelled', filledSize: 0, reason: 'not marketable', fills: [] });
      // Better than the reference but short of the slipped market: not marketable either.
      const near = confirmed(await ex.place(order({ clientOrderId: 'near', limitPrice: 100.05, timeInForce: 'ioc' })));
      expect(near.order).to.include({ status: 'cancelled', filledSize: 0, reason: 'not marketable' });
      const sell = confirmed(await ex.place(order({ clientOrderId: 'sell', side: 'sell', limitPrice: 99.95 })));
      expect(sell.order).to.include({ status: 'cancelled', filledSize: 0, reason: 'not marketable' });
      expect(ex.allFills).to.deep.equal([]);
      expect(await ex.positions()).to.deep.equal([]);
      expect(await ex.openOrders()).to.deep.equal([]);
      ex.markPrice('SOL', 40);
      expect(ex.allFills).to.deep.equal([]);
    });

    it('rests a GTC limit that is not marketable until a mark reaches it, then fills it at its limit, streamed', async () => {
      const ex = venue({ slippageBps: 10, feeBps: 5 });
      const streamed: Fill[] = [];
      const sub = ex.fills.subscribe((f) => streamed.push(f));
      const placed = confirmed(await ex.place(order({ clientOrderId: 'bid', limitPrice: 95, timeInForce: 'gtc' })));
      expect(placed.order).to.deep.include({ status: 'open', filledSize: 0, fills: [] });
      expect((await ex.openOrders()).map((o) => [o.clientOrderId, o.status])).to.deep.equal([['bid', 'open']]);

      expect(ex.markPrice('SOL', 96, T0 + 1000)).to.deep.equal([]);
      expect(ex.markPrice('ETH', 90, T0 + 1500)).to.deep.equal([]);
      expect(streamed).to.deep.equal([]);

      const caused = ex.markPrice('SOL', 94, T0 + 2000);
      sub.unsubscribe();
      // Fills at its limit (95), not at the mark: fee 2 * 95 * 5/1e4 = 0.095
      expect(caused).to.have.length(1);
      expect(caused[0]).to.include({ fillId: 'bid:1', clientOrderId: 'bid', side: 'buy', size: 2, price: 95, ts: T0 + 2000 });
      expect(caused[0]!.fee).to.be.closeTo(0.095, 1e-12);
      expect(streamed).to.deep.equal(caused);
      expect(await ex.order('bid')).to.deep.include({ status: 'filled', filledSize: 2, fills: caused });
      expect(await ex.openOrders()).to.deep.equal([]);
      expect(await ex.positions()).to.deep.equal([{ token: 'SOL', size: 2, entryPrice: 95 }]);
      expect(ex.markPrice('SOL', 90)).to.deep.equal([]);
    });

    it('rests a GTC sell above the market, and fills it when a mark reaches its limit, at the latest event time by default', async () => {
      const ex = venue();
      confirmed(await ex.place(order({ clientOrderId: 'ask', side: 'sell', limitPrice: 110, timeInForce: 'gtc', ts: T0 + 7 })));
      expect(ex.markPrice('SOL', 109)).to.deep.equal([]);
      const [fill] = ex.markPrice('SOL', 110);
      expect(fill).to.include({ fillId: 'ask:1', side: 'sell', size: 2, price: 110, ts: T0 + 7 });
      expect(await ex.positions()).to.deep.equal([{ token: 'SOL', size: -2, entryPrice: 110 }]);
    });

    it('fills a marketable GTC at once, at the slipped price', async () => {
      const ex = venue({ slippageBps: 10 });
      const res = confirmed(await ex.place(order({ limitPrice: 105, timeInForce: 'gtc' })));
      expect(res.order).to.include({ status: 'filled', filledSize: 2 });
      expect(res.order.fills[0]!.price).to.be.closeTo(100.1, 1e-9);
    });

    it('does not fill a resting GTC once it is cancelled', async () => {
      const ex = venue();
      confirmed(await ex.place(order({ clientOrderId: 'bid', limitPrice: 95, timeInForce: 'gtc' })));
      const cancel = await ex.cancel('bid');
      expect(cancel.outcome === 'confirmed' && cancel.order).to.deep.include({ status: 'cancelled', filledSize: 0, fills: [] });
      expect(ex.markPrice('SOL', 90)).to.deep.equal([]);
      expect(ex.allFills).to.deep.equal([]);
      expect(await ex.order('bid')).to.include({ status: 'cancelled', filledSize: 0 });
    });

    it('streams the later slices of a crossed GTC every fillIntervalMs after the mark', async () => {
      const ex = venue({ fillSlices: 2, fillIntervalMs: 5 });
      confirmed(await ex.place(order({ clientOrderId: 'bid', limitPrice: 95, timeInForce: 'gtc' })));
      expect(ex.markPrice('SOL', 95, T0 + 100).map((f) => [f.fillId, f.size, f.price, f.ts])).to.deep.equal([['bid:1', 1, 95, T0 + 100]]);
      expect(await ex.order('bid')).to.include({ status: 'partially-filled', filledSize: 1 });
      const done = await waitFor('bid to be filled', async () => {
        const state = await ex.order('bid');
        return state?.status === 'filled' && state;
      });
      expect(done.fills.map((f) => [f.fillId, f.size, f.price, f.ts])).to.deep.equal([
        ['bid:1', 1, 95, T0 + 100],
        ['bid:2', 1, 95, T0 + 105],
      ]);
    });

    it('rejects a post-only (alo) order that is marketable, and rests one that is not until a mark fills it at its limit', async () => {
      const ex = venue({ slippageBps: 10 });
      const crossing = rejected(await ex.place(order({ clientOrderId: 'taker', limitPrice: 100.5, timeInForce: 'alo' })));
      expect(crossing.reason).to.match(/post-only \(alo\) buy limit 100.5 would take liquidity at 100.1/);
      expect(await ex.order('taker')).to.include({ status: 'rejected', filledSize: 0 });
      const maker = confirmed(await ex.place(order({ clientOrderId: 'maker', side: 'sell', limitPrice: 100.5, timeInForce: 'alo' })));
      expect(maker.order).to.include({ status: 'open', filledSize: 0 });
      expect(ex.allFills).to.deep.equal([]);
      const [fill] = ex.markPrice('SOL', 101, T0 + 50);
      expect(fill).to.include({ fillId: 'maker:1', side: 'sell', size: 2, price: 100.5, ts: T0 + 50 });
    });

    it('refuses a mark price that is not a positive finite number, or a mark time that is not finite', () => {
      const ex = venue();
      expect(() => ex.markPrice('SOL', Number.NaN)).to.throw(RangeError, /invalid mark price NaN for SOL/);
      expect(() => ex.markPrice('SOL', 0)).to.throw(RangeError, /invalid mark price 0/);
      expect(() => ex.markPrice('SOL', 100, Number.NaN)).to.throw(RangeError, /invalid mark time/);
    });
  });

  describe('reduce-only slices', () => {
    it('caps a reduce-only slice at what still reduces, so two reduce-only orders never flip the position', async () => {
      const ex = venue({ fillSlices: 2, fillIntervalMs: 5 });
      confirmed(await ex.place(order({ clientOrderId: 'open', side: 'buy', size: 4 })));
      await waitFor('open to be filled', async () => (await ex.order('open'))?.status === 'filled');
      // Long 4. 'a' (sell 4) fills 2, leaving 2; 'b' (sell 2) is valid then, and fills 1, leaving 1.
      confirmed(await ex.place(order({ clientOrderId: 'a', side: 'sell', size: 4, reduceOnly: true })));
      confirmed(await ex.place(order({ clientOrderId: 'b', side: 'sell', size: 2, reduceOnly: true })));
      // a's second slice (2) is capped at the 1 left and completes a; b has nothing left to reduce.
      const [a, b] = await waitFor('a and b to finish', async () => {
        const states = [await ex.order('a'), await ex.order('b')];
        return states.every((s) => s?.status === 'filled' || s?.status === 'cancelled') && states;
      });
      expect(a).to.include({ status: 'filled', size: 4, filledSize: 3 });
      expect(a?.reason).to.match(/reduce-only: capped at 3/);
      expect(a?.fills.map((f) => [f.fillId, f.size])).to.deep.equal([['a:1', 2], ['a:2', 1]]);
      expect(b).to.include({ status: 'cancelled', size: 2, filledSize: 1, reason: 'reduce-only: no position left to reduce' });
      expect(b?.fills.map((f) => [f.fillId, f.size])).to.deep.equal([['b:1', 1]]);
      expect(await ex.positions()).to.deep.equal([]);
    });

    it('caps a resting reduce-only order that crosses after the position shrank, and cancels one with nothing left', async () => {
      const ex = venue();
      confirmed(await ex.place(order({ clientOrderId: 'open', side: 'buy', size: 2 })));
      confirmed(await ex.place(order({ clientOrderId: 'tp-1', side: 'sell', size: 2, reduceOnly: true, limitPrice: 110, timeInForce: 'gtc' })));
      confirmed(await ex.place(order({ clientOrderId: 'tp-2', side: 'sell', size: 2, reduceOnly: true, limitPrice: 110, timeInForce: 'gtc' })));
      confirmed(await ex.place(order({ clientOrderId: 'trim', side: 'sell', size: 0.5 })));
      expect(ex.markPrice('SOL', 111).map((f) => [f.fillId, f.size, f.price])).to.deep.equal([['tp-1:1', 1.5, 110]]);
      expect(await ex.order('tp-1')).to.include({ status: 'filled', filledSize: 1.5 });
      expect(await ex.order('tp-2')).to.deep.include({ status: 'cancelled', filledSize: 0, fills: [], reason: 'reduce-only: no position left to reduce' });
      expect(await ex.positions()).to.deep.equal([]);
      expect(await ex.openOrders()).to.deep.equal([]);
    });
  });

  describe('order answers carry the fills so far', () => {
    it('in a duplicate place answer, a cancel answer and openOrders, as in order()', async () => {
      const ex = venue({ fillSlices: 2, fillIntervalMs: 60_000 });
      const first = confirmed(await ex.place(order({ clientOrderId: 'a' })));
      confirmed(await ex.place(order({ clientOrderId: 'b' })));
      expect(first.order.fills.map((f) => f.fillId)).to.deep.equal(['a:1']);
      const again = confirmed(await ex.place(order({ clientOrderId: 'a' })));
      expect(again.order.fills).to.deep.equal(first.order.fills);
      const open = await ex.openOrders();
      expect(open.map((o) => [o.clientOrderId, o.fills.map((f) => f.fillId)])).to.deep.equal([['a', ['a:1']], ['b', ['b:1']]]);
      const cancel = await ex.cancel('a');
      expect(cancel.outcome === 'confirmed' && cancel.order?.fills).to.deep.equal(first.order.fills);
      expect(await ex.order('a')).to.deep.equal(cancel.outcome === 'confirmed' && cancel.order);
    });

    it('in a cancel answer for an order already filled', async () => {
      const ex = venue();
      const placed = confirmed(await ex.place(order()));
      const cancel = await ex.cancel('rg-1');
      expect(cancel.outcome === 'confirmed' && cancel.order).to.deep.equal(placed.order);
    });
  });

  describe('partial fills', () => {
    it('answers with the first of fillSlices fills and streams the rest over time, summing to the order size', async () => {
      const ex = venue({ fillSlices: 3, fillIntervalMs: 5, feeBps: 10 });
      const res = confirmed(await ex.place(order({ size: 3 })));
      expect(res.order).to.include({ status: 'partially-filled', filledSize: 1 });
      expect(res.order.fills).to.have.length(1);
      expect(res.order.fills[0]).to.include({ fillId: 'rg-1:1', size: 1, price: 100, ts: T0 });

      const final = await waitFor('rg-1 to be filled', async () => {
        const state = await ex.order('rg-1');
        return state?.status === 'filled' && state;
      });
      expect(final.filledSize).to.be.closeTo(3, 1e-12);
      expect(final.fills.map((f) => f.fillId)).to.deep.equal(['rg-1:1', 'rg-1:2', 'rg-1:3']);
      expect(final.fills.map((f) => f.ts)).to.deep.equal([T0, T0 + 5, T0 + 10]);
      expect(final.fills.reduce((sum, f) => sum + f.size, 0)).to.be.closeTo(3, 1e-12);
      for (const f of final.fills) expect(f.fee).to.be.closeTo((f.size * 100 * 10) / 1e4, 1e-12);
      expect(final.fills).to.deep.equal(ex.allFills);
    });

    it('splits an awkward size so the slices still sum to it', async () => {
      const ex = venue({ fillSlices: 3 });
      confirmed(await ex.place(order({ size: 1 })));
      const final = await waitFor('rg-1 to be filled', async () => {
        const state = await ex.order('rg-1');
        return state?.status === 'filled' && state;
      });
      expect(final.fills.slice(0, 2).map((f) => f.size)).to.deep.equal([1 / 3, 1 / 3]);
      expect(final.fills.reduce((sum, f) => sum + f.size, 0)).to.be.closeTo(1, 1e-12);
      expect(await ex.positions()).to.have.deep.nested.property('[0].size').that.is.closeTo(1, 1e-12);
    });

    it('stops filling an order once it is cancelled, and shows it cancelled', async () => {
      const ex = venue({ fillSlices: 3, fillIntervalMs: 10 });
      confirmed(await ex.place(order({ clientOrderId: 'cancelled', size: 3 })));
      // A control placed after it: once the control is filled, every slice timer of the cancelled
      // order would have fired too.
      confirmed(await ex.place(order({ clientOrderId: 'control', size: 3 })));
      const cancel = await ex.cancel('cancelled');
      if (cancel.outcome !== 'confirmed') throw new Error(`expected confirmed, got ${JSON.stringify(cancel)}`);
      expect(cancel.order).to.include({ clientOrderId: 'cancelled', status: 'cancelled', filledSize: 1 });

      await waitFor('control to be filled', async () => (await ex.order('control'))?.status === 'filled');
      const state = await ex.order('cancelled');
      expect(state).to.include({ status: 'cancelled', filledSize: 1 });
      expect(state?.fills.map((f) => f.fillId)).to.deep.equal(['cancelled:1']);
      expect(await ex.positions()).to.deep.equal([{ token: 'SOL', size: 4, entryPrice: 100 }]);
    });

    it('answers a repeated id of a partially filled order with its current state', async () => {
      const ex = venue({ fillSlices: 2, fillIntervalMs: 60_000 });
      confirmed(await ex.place(order()));
      const again = confirmed(await ex.place(order()));
      expect(again.duplicate).to.equal(true);
      expect(again.order).to.include({ status: 'partially-filled', filledSize: 1 });
      expect(ex.allFills).to.have.length(1);
    });
  });

  describe('cancel', () => {
    it('rejects a cancel of an unknown client order id with a reason', async () => {
      expect(rejected(await venue().cancel('nope')).reason).to.match(/unknown order nope/);
    });

    it('confirms a cancel of a filled order and leaves it filled', async () => {
      const ex = venue();
      confirmed(await ex.place(order()));
      const cancel = await ex.cancel('rg-1');
      expect(cancel.outcome).to.equal('confirmed');
      expect(cancel.outcome === 'confirmed' && cancel.order).to.include({ status: 'filled', filledSize: 2 });
      expect(await ex.order('rg-1')).to.include({ status: 'filled' });
    });
  });

  describe('order', () => {
    it('looks an order up by client order id with all its fills, and answers undefined for an unknown id', async () => {
      const ex = venue();
      const placed = confirmed(await ex.place(order()));
      expect(await ex.order('rg-1')).to.deep.equal(placed.order);
      expect(await ex.order('nope')).to.equal(undefined);
    });
  });

  describe('openOrders', () => {
    it('lists only open and partially filled orders', async () => {
      const whole = venue();
      confirmed(await whole.place(order({ clientOrderId: 'filled' })));
      rejected(await whole.place(order({ clientOrderId: 'rejected', size: 0 })));
      expect(await whole.openOrders()).to.deep.equal([]);

      const sliced = venue({ fillSlices: 2, fillIntervalMs: 60_000 });
      confirmed(await sliced.place(order({ clientOrderId: 'working' })));
      confirmed(await sliced.place(order({ clientOrderId: 'cancelled' })));
      rejected(await sliced.place(order({ clientOrderId: 'rejected', price: 0 })));
      await sliced.cancel('cancelled');
      const open = await sliced.openOrders();
      expect(open.map((o) => [o.clientOrderId, o.status, o.filledSize])).to.deep.equal([['working', 'partially-filled', 1]]);
    });
  });

  describe('positions', () => {
    it('nets fills per token with an average entry price that reductions keep and flips reset', async () => {
      const ex = venue();
      await ex.place(order({ clientOrderId: 'b1', side: 'buy', size: 2, price: 100 }));
      await ex.place(order({ clientOrderId: 'b2', side: 'buy', size: 2, price: 110 }));
      expect(await ex.positions()).to.deep.equal([{ token: 'SOL', size: 4, entryPrice: 105 }]);

      await ex.place(order({ clientOrderId: 's1', side: 'sell', size: 1, price: 120 }));
      expect(await ex.positions()).to.deep.equal([{ token: 'SOL', size: 3, entryPrice: 105 }]);

      await ex.place(order({ clientOrderId: 's2', side: 'sell', size: 5, price: 90 }));
      expect(await ex.positions()).to.deep.equal([{ token: 'SOL', size: -2, entryPrice: 90 }]);

      await ex.place(order({ clientOrderId: 'e1', token: 'ETH', side: 'sell', size: 1, price: 3000 }));
      await ex.place(order({ clientOrderId: 'e2', token: 'ETH', side: 'sell', size: 3, price: 3400 }));
      expect(await ex.positions()).to.deep.equal([
        { token: 'SOL', size: -2, entryPrice: 90 },
        { token: 'ETH', size: -4, entryPrice: 3300 },
      ]);

      await ex.place(order({ clientOrderId: 's3', side: 'buy', size: 2, price: 95 }));
      expect(await ex.positions()).to.deep.equal([{ token: 'ETH', size: -4, entryPrice: 3300 }]);
    });

    it('prices positions at the slipped fill price, not the reference price', async () => {
      const ex = venue({ slippageBps: 100 });
      await ex.place(order({ size: 1, price: 100 }));
      const [position] = await ex.positions();
      expect(position?.size).to.equal(1);
      expect(position?.entryPrice).to.be.closeTo(101, 1e-9);
    });

    it('opens a fresh position at the fill price after going flat', async () => {
      const ex = venue();
      await ex.place(order({ clientOrderId: 'o1', side: 'buy', size: 2, price: 100 }));
      await ex.place(order({ clientOrderId: 'c1', side: 'sell', size: 2, price: 130 }));
      expect(await ex.positions()).to.deep.equal([]);
      await ex.place(order({ clientOrderId: 'o2', side: 'buy', size: 1, price: 80 }));
      expect(await ex.positions()).to.deep.equal([{ token: 'SOL', size: 1, entryPrice: 80 }]);
    });
  });

  describe('latency', () => {
    // Timers may fire a fraction of a millisecond before performance.now() says the delay is over.
    const LATENCY = 40;
    const atLeast = LATENCY - 1.5;
    const timed = async (call: () => Promise<unknown>): Promise<number> => {
      const start = performance.now();
      await call();
      return performance.now() - start;
    };

    it('delays every answer by at least latencyMs', async () => {
      const ex = venue({ latencyMs: LATENCY });
      expect(await timed(() => ex.place(order()))).to.be.at.least(atLeast);
      expect(await timed(() => ex.place(order()))).to.be.at.least(atLeast);
      expect(await timed(() => ex.place(order({ clientOrderId: 'bad', size: 0 })))).to.be.at.least(atLeast);
      expect(await timed(() => ex.order('rg-1'))).to.be.at.least(atLeast);
      expect(await timed(() => ex.cancel('rg-1'))).to.be.at.least(atLeast);
      expect(await timed(() => ex.cancel('nope'))).to.be.at.least(atLeast);
      expect(await timed(() => ex.openOrders())).to.be.at.least(atLeast);
      expect(await timed(() => ex.positions())).to.be.at.least(atLeast);
    });

    it('fills nothing until the delayed answer', async () => {
      const ex = venue({ latencyMs: LATENCY });
      const pending = ex.place(order());
      expect(ex.allFills).to.deep.equal([]);
      const res = confirmed(await pending);
      expect(ex.allFills).to.deep.equal(res.order.fills);
    });
  });

  describe('fills stream', () => {
    it('emits every fill, the first slice included, in the order they happen', async () => {
      const ex = venue({ fillSlices: 2, fillIntervalMs: 2 });
      const streamed: Fill[] = [];
      const sub = ex.fills.subscribe((f) => streamed.push(f));
      const a = confirmed(await ex.place(order({ clientOrderId: 'a' })));
      expect(streamed).to.deep.equal(a.order.fills);
      confirmed(await ex.place(order({ clientOrderId: 'b', side: 'sell' })));
      await waitFor('four fills', () => streamed.length === 4);
      sub.unsubscribe();
      expect(streamed.map((f) => f.fillId).sort()).to.deep.equal(['a:1', 'a:2', 'b:1', 'b:2']);
      expect(streamed).to.deep.equal(ex.allFills);
    });
  });

  describe('close', () => {
    it('completes the fills stream and stops pending slices', async () => {
      const ex = venue({ fillSlices: 3, fillIntervalMs: 5 });
      const streamed: Fill[] = [];
      let completed = false;
      ex.fills.subscribe({ next: (f) => streamed.push(f), complete: () => (completed = true) });
      confirmed(await ex.place(order({ clientOrderId: 'stopped', size: 3 })));
      await ex.close();
      expect(completed).to.equal(true);
      expect(streamed.map((f) => f.fillId)).to.deep.equal(['stopped:1']);

      // Another venue on the same interval: when its order is filled, the closed one's timers
      // would have fired had close() not cleared them.
      const control = venue({ fillSlices: 3, fillIntervalMs: 5 });
      confirmed(await control.place(order({ clientOrderId: 'control', size: 3 })));
      await waitFor('control to be filled', async () => (await control.order('control'))?.status === 'filled');
      expect(ex.allFills.map((f) => f.fillId)).to.deep.equal(['stopped:1']);
    });

    it('settles the calls still waiting out their latency: place and cancel rejected, lookups with ExchangeUnavailableError', async () => {
      const ex = venue({ latencyMs: 60_000 });
      const settled: string[] = [];
      const track = <T>(name: string, call: Promise<T>): Promise<T> => {
        call.then(() => settled.push(name), () => settled.push(name));
        return call;
      };
      const place = track('place', ex.place(order()));
      const cancel = track('cancel', ex.cancel('rg-1'));
      const lookup = track('order', ex.order('rg-1'));
      const open = track('openOrders', ex.openOrders());
      const positions = track('positions', ex.positions());
      await ex.close();
      await waitFor('every call in progress to settle', () => settled.length === 5, 2000);
      expect(await place).to.deep.equal({ outcome: 'rejected', reason: 'exchange closed' });
      expect(await cancel).to.deep.equal({ outcome: 'rejected', reason: 'exchange closed' });
      for (const call of [lookup, open, positions]) {
        const error = await thrown(call);
        expect(error).to.be.instanceOf(ExchangeUnavailableError);
        expect(error.message).to.equal('paper: exchange closed');
      }
      expect(ex.placedCount).to.equal(0);
      expect(ex.allFills).to.deep.equal([]);
    });

    it('takes no order after close: place and cancel are rejected, lookups and marks throw ExchangeUnavailableError', async () => {
      const ex = venue();
      confirmed(await ex.place(order({ clientOrderId: 'before' })));
      confirmed(await ex.place(order({ clientOrderId: 'resting', limitPrice: 90, timeInForce: 'gtc' })));
      await ex.close();
      expect(await ex.place(order({ clientOrderId: 'after' }))).to.deep.equal({ outcome: 'rejected', reason: 'exchange closed' });
      expect(await ex.place(order({ clientOrderId: 'before' }))).to.deep.equal({ outcome: 'rejected', reason: 'exchange closed' });
      expect(await ex.cancel('resting')).to.deep.equal({ outcome: 'rejected', reason: 'exchange closed' });
      expect(ex.placedCount).to.equal(2);
      expect(ex.allFills.map((f) => f.fillId)).to.deep.equal(['before:1']);
      for (const call of [ex.order('before'), ex.openOrders(), ex.positions()]) {
        expect(await thrown(call)).to.be.instanceOf(ExchangeUnavailableError);
      }
      expect(() => ex.markPrice('SOL', 80)).to.throw(ExchangeUnavailableError, /exchange closed/);
      expect(ex.allFills.map((f) => f.fillId)).to.deep.equal(['before:1']);
    });
  });
});
