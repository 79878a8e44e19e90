import { expect } from 'chai';
import { PaperExchange } from '../../../adapters/exchange/paper.js';
import type { OrderRequest } from '../../../runtime/ports/exchange.js';

const order = (over: Partial<OrderRequest> = {}): OrderRequest => ({
  clientOrderId: 'rg-1',
  token: 'SOL',
  side: 'buy',
  size: 2,
  price: 100,
  reduceOnly: false,
  ts: 1_700_000_000_000,
  ...over,
});

describe('PaperExchange', () => {
  it('names its venue paper', () => {
    expect(new PaperExchange().venue).to.equal('paper');
  });

  it('fills a buy in full at the reference price plus slippage, with fee on the notional', async () => {
    // 100 * (1 + 10/1e4) = 100.1; fee 2 * 100.1 * 5/1e4 = 0.1001
    const res = await new PaperExchange({ slippageBps: 10, feeBps: 5 }).place(order());
    expect(res).to.include({ clientOrderId: 'rg-1', status: 'filled', duplicate: false });
    expect(res.fills).to.have.length(1);
    const f = res.fills[0]!;
    expect(f).to.include({ clientOrderId: 'rg-1', token: 'SOL', side: 'buy', size: 2, ts: 1_700_000_000_000 });
    expect(f.price).to.be.closeTo(100.1, 1e-9);
    expect(f.fee).to.be.closeTo(0.1001, 1e-12);
  });

  it('fills a sell below the reference price', async () => {
    // 100 * (1 - 10/1e4) = 99.9; fee 2 * 99.9 * 5/1e4 = 0.0999
    const res = await new PaperExchange({ slippageBps: 10, feeBps: 5 }).place(order({ side: 'sell' }));
    expect(res.fills[0]!.price).to.be.closeTo(99.9, 1e-9);
    expect(res.fills[0]!.fee).to.be.closeTo(0.0999, 1e-12);
  });

  it('fills at the reference price with no fee by default', async () => {
    const res = await new PaperExchange().place(order());
    expect(res.fills[0]).to.include({ price: 100, fee: 0 });
  });

  it('returns the stored order with duplicate: true for a repeated client order id, without a new fill', async () => {
    const ex = new PaperExchange({ slippageBps: 10 });
    const first = await ex.place(order());
    const again = await ex.place(order({ size: 50, price: 120 }));
    expect(again.duplicate).to.equal(true);
    expect(again.fills).to.deep.equal(first.fills);
    expect(ex.placedCount).to.equal(1);
    expect(ex.fills).to.have.length(1);
    expect((await ex.order('rg-1'))?.duplicate).to.equal(false);
  });

  it('rejects a non-positive or non-finite size with a reason and no fill', async () => {
    const ex = new PaperExchange();
    for (const [i, size] of [0, -1, Number.NaN, Infinity].entries()) {
      const res = await ex.place(order({ clientOrderId: `bad-${i}`, size }));
      expect(res.status).to.equal('rejected');
      expect(res.reason).to.match(/size/);
      expect(res.fills).to.deep.equal([]);
    }
    expect(ex.fills).to.have.length(0);
    expect((await ex.place(order({ clientOrderId: 'bad-0' }))).status).to.equal('rejected');
  });

  it('returns a filled order unchanged on cancel, and undefined for an unknown id', async () => {
    const ex = new PaperExchange();
    const placed = await ex.place(order());
    expect(await ex.cancel('rg-1')).to.deep.equal(placed);
    expect(await ex.cancel('nope')).to.equal(undefined);
  });

  it('looks orders up by client order id', async () => {
    const ex = new PaperExchange();
    const placed = await ex.place(order());
    expect(await ex.order('rg-1')).to.deep.equal(placed);
    expect(await ex.order('nope')).to.equal(undefined);
  });

  it('counts distinct client order ids placed', async () => {
    const ex = new PaperExchange();
    await ex.place(order({ clientOrderId: 'a' }));
    await ex.place(order({ clientOrderId: 'b' }));
    await ex.place(order({ clientOrderId: 'a' }));
    await ex.place(order({ clientOrderId: 'c', size: 0 }));
    expect(ex.placedCount).to.equal(3);
    expect(ex.fills.map((f) => f.clientOrderId)).to.deep.equal(['a', 'b']);
  });

  it('refuses negative slippage or fees', () => {
    expect(() => new PaperExchange({ slippageBps: -1 })).to.throw(RangeError);
    expect(() => new PaperExchange({ feeBps: Number.NaN })).to.throw(RangeError);
  });
});
