import { expect } from 'chai';
import {
  applyFill,
  emptyPosition,
  markToMarket,
  unrealizedPnl,
  type PositionFill,
  type PositionState,
} from '../../../actors/position/position-math.js';

const buy = (size: number, price: number, fee = 0): PositionFill => ({ side: 'buy', size, price, fee });
const sell = (size: number, price: number, fee = 0): PositionFill => ({ side: 'sell', size, price, fee });
const fold = (...fills: PositionFill[]): PositionState => fills.reduce(applyFill, emptyPosition());

describe('position-math', () => {
  it('starts flat with nothing realized', () => {
    expect(emptyPosition()).to.deep.equal({ size: 0, avgEntry: 0, realizedPnl: 0, fees: 0, markPrice: 0 });
  });

  it('opens a long at the fill price and marks it there', () => {
    expect(fold(buy(2, 100, 0.2))).to.deep.equal({ size: 2, avgEntry: 100, realizedPnl: 0, fees: 0.2, markPrice: 100 });
  });

  it('weights the average entry when a long is increased', () => {
    // (2 * 100 + 1 * 130) / 3 = 330 / 3 = 110
    const s = fold(buy(2, 100), buy(1, 130));
    expect(s.size).to.equal(3);
    expect(s.avgEntry).to.be.closeTo(110, 1e-12);
    expect(s.realizedPnl).to.equal(0);
  });

  it('realizes PnL on the closed part when a long is partly sold, keeping the entry', () => {
    // long 3 @ 110, sell 1 @ 120: realized = 1 * (120 - 110) = 10; 2 left @ 110
    const s = fold(buy(2, 100), buy(1, 130), sell(1, 120));
    expect(s.size).to.equal(2);
    expect(s.avgEntry).to.be.closeTo(110, 1e-12);
    expect(s.realizedPnl).to.be.closeTo(10, 1e-12);
  });

  it('realizes PnL on the closed part when a short is partly bought back', () => {
    // short 4 @ 50, buy 1 @ 45: realized = 1 * (45 - 50) * -1 = 5; -3 left @ 50
    const s = fold(sell(4, 50), buy(1, 45));
    expect(s).to.include({ size: -3, avgEntry: 50, realizedPnl: 5 });
  });

  it('resets the entry to 0 when the position is fully closed', () => {
    // long 2 @ 100, sell 2 @ 90: realized = 2 * (90 - 100) = -20
    const s = fold(buy(2, 100), sell(2, 90));
    expect(s).to.include({ size: 0, avgEntry: 0, realizedPnl: -20 });
  });

  it('closes exactly flat despite floating-point dust (0.3 - 0.1 - 0.2)', () => {
    const s = fold(buy(0.3, 10), sell(0.1, 10), sell(0.2, 10));
    expect(s.size).to.equal(0);
    expect(s.avgEntry).to.equal(0);
  });

  it('flips a long to a short: realizes the closed part, enters the rest at the fill price', () => {
    // long 2 @ 100, sell 5 @ 110: realized = 2 * (110 - 100) = 20; remainder -3 @ 110
    const s = fold(buy(2, 100), sell(5, 110));
    expect(s).to.include({ size: -3, avgEntry: 110, realizedPnl: 20 });
  });

  it('flips a short to a long the same way', () => {
    // short 1 @ 200, buy 3 @ 150: realized = 1 * (150 - 200) * -1 = 50; remainder +2 @ 150
    const s = fold(sell(1, 200), buy(3, 150));
    expect(s).to.include({ size: 2, avgEntry: 150, realizedPnl: 50 });
  });

  it('accumulates fees separately from realized PnL', () => {
    // fees 0.2 + 0.1 + 0.05 = 0.35; realized 1 * (110 - 100) = 10, gross of fees
    const s = fold(buy(2, 100, 0.2), buy(1, 100, 0.1), sell(1, 110, 0.05));
    expect(s.fees).to.be.closeTo(0.35, 1e-12);
    expect(s.realizedPnl).to.be.closeTo(10, 1e-12);
  });

  it('computes unrealized PnL as size * (mark - avgEntry) for longs and shorts', () => {
    // long 2 @ 110 marked 125: 2 * (125 - 110) = 30
    expect(unrealizedPnl(markToMarket(fold(buy(2, 110)), 125))).to.equal(30);
    // short 3 @ 50 marked 60: -3 * (60 - 50) = -30
    expect(unrealizedPnl(markToMarket(fold(sell(3, 50)), 60))).to.equal(-30);
    expect(unrealizedPnl(markToMarket(emptyPosition(), 60))).to.equal(0);
  });

  it('keeps an existing mark price when a fill arrives', () => {
    const marked = markToMarket(emptyPosition(), 105);
    expect(applyFill(marked, buy(1, 100)).markPrice).to.equal(105);
  });

  it('never mutates the state it is given', () => {
    const s0 = fold(buy(2, 100));
    const copy = { ...s0 };
    applyFill(s0, sell(1, 120));
    markToMarket(s0, 1);
    expect(s0).to.deep.equal(copy);
  });

  it('rejects fills with a non-positive or non-finite size or price, or a non-finite fee; a negative fee is a rebate', () => {
    expect(() => applyFill(emptyPosition(), buy(0, 100))).to.throw(RangeError);
    expect(() => applyFill(emptyPosition(), buy(Number.NaN, 100))).to.throw(RangeError);
    expect(() => applyFill(emptyPosition(), buy(1, -1))).to.throw(RangeError);
    expect(() => applyFill(emptyPosition(), buy(1, 100, Number.POSITIVE_INFINITY))).to.throw(RangeError);
    expect(applyFill(emptyPosition(), buy(1, 100, -0.1)).fees).to.equal(-0.1);
    expect(() => markToMarket(emptyPosition(), 0)).to.throw(RangeError);
  });
});
