import { expect } from 'chai';
import {
  classify,
  leverageRatio,
  liquidationDistance,
  liquidationPrice,
  maxPairwiseCorrelation,
  pearsonCorrelation,
  returnsFromPrices,
} from '../../../actors/risk/risk-math.js';

describe('risk-math', () => {
  describe('leverageRatio', () => {
    it('divides gross notional by equity', () => {
      expect(leverageRatio(5000, 2000)).to.equal(2.5);
      expect(leverageRatio(0, 2000)).to.equal(0);
    });

    it('is Infinity when equity is zero or negative', () => {
      expect(leverageRatio(5000, 0)).to.equal(Infinity);
      expect(leverageRatio(5000, -1)).to.equal(Infinity);
    });
  });

  describe('liquidation price and distance', () => {
    it('liquidates a lone long where equity meets maintenance margin', () => {
      // equity(P) = 500 + 10(P - 100) = 10P - 500; maintenance = 0.05 * 10P = 0.5P
      // 10P - 500 = 0.5P -> P = 500 / 9.5 = 52.631578...; distance = (100 - P)/100 = 9/19
      const input = { size: 10, markPrice: 100, equity: 500, grossNotional: 1000, maintenanceMarginRate: 0.05 };
      expect(liquidationPrice(input)).to.be.closeTo(500 / 9.5, 1e-9);
      expect(liquidationDistance(input)).to.be.closeTo(9 / 19, 1e-12);
    });

    it('liquidates a lone short above the mark', () => {
      // equity(P) = 500 - 10(P - 100) = 1500 - 10P; maintenance = 0.5P
      // 1500 - 10P = 0.5P -> P = 1500 / 10.5 = 1000/7 = 142.857...; distance = (P - 100)/100 = 3/7
      const input = { size: -10, markPrice: 100, equity: 500, grossNotional: 1000, maintenanceMarginRate: 0.05 };
      expect(liquidationPrice(input)).to.be.closeTo(1000 / 7, 1e-9);
      expect(liquidationDistance(input)).to.be.closeTo(3 / 7, 1e-12);
    });

    it('counts the other positions\' notional in the maintenance requirement (cross margin)', () => {
      // other notional 2000: 10P - 500 = 0.05 * (2000 + 10P) = 100 + 0.5P -> P = 600 / 9.5 = 1200/19
      const input = { size: 10, markPrice: 100, equity: 500, grossNotional: 3000, maintenanceMarginRate: 0.05 };
      expect(liquidationPrice(input)).to.be.closeTo(1200 / 19, 1e-9);
      expect(liquidationDistance(input)).to.be.closeTo((100 - 1200 / 19) / 100, 1e-12);
    });

    it('gives no liquidation price (distance Infinity) for a flat or fully covered long', () => {
      // 1 @ 100 with equity 1000: P = (0 - 1000 + 100) / 0.95 < 0, no positive price liquidates
      const covered = { size: 1, markPrice: 100, equity: 1000, grossNotional: 100, maintenanceMarginRate: 0.05 };
      expect(liquidationPrice(covered)).to.equal(undefined);
      expect(liquidationDistance(covered)).to.equal(Infinity);
      expect(liquidationPrice({ ...covered, size: 0 })).to.equal(undefined);
    });

    it('reports distance 0 when equity is already below maintenance margin', () => {
      // maintenance 0.05 * 1000 = 50 > equity 40: P = (960)/9.5 = 101.05 > mark 100 -> 0
      const input = { size: 10, markPrice: 100, equity: 40, grossNotional: 1000, maintenanceMarginRate: 0.05 };
      expect(liquidationDistance(input)).to.equal(0);
    });

    it('rejects a maintenance margin rate outside [0, 1)', () => {
      const input = { size: 10, markPrice: 100, equity: 500, grossNotional: 1000, maintenanceMarginRate: 1 };
      expect(() => liquidationPrice(input)).to.throw(RangeError);
    });
  });

  describe('returns and correlation', () => {
    it('computes simple returns between consecutive prices', () => {
      // 110/100 - 1 = 0.1; 99/110 - 1 = -0.1
      const r = returnsFromPrices([100, 110, 99]);
      expect(r).to.have.length(2);
      expect(r[0]).to.be.closeTo(0.1, 1e-12);
      expect(r[1]).to.be.closeTo(-0.1, 1e-12);
      expect(returnsFromPrices([100])).to.deep.equal([]);
    });

    it('computes Pearson correlation', () => {
      // xs 1,2,3,4 ys 1,3,2,4: means 2.5; dx = dy-ish: sxy = 2.25 - .25 - .25 + 2.25 = 4, sxx = syy = 5 -> 0.8
      expect(pearsonCorrelation([1, 2, 3, 4], [1, 3, 2, 4])).to.be.closeTo(0.8, 1e-12);
      expect(pearsonCorrelation([1, 2, 3], [2, 4, 6])).to.be.closeTo(1, 1e-12);
      expect(pearsonCorrelation([1, 2, 3], [3, 2, 1])).to.be.closeTo(-1, 1e-12);
    });

    it('returns 0 instead of NaN for zero variance or fewer than two points', () => {
      expect(pearsonCorrelation([1, 1, 1], [1, 2, 3])).to.equal(0);
      expect(pearsonCorrelation([1], [2])).to.equal(0);
      expect(pearsonCorrelation([], [])).to.equal(0);
    });

    it('skips non-finite pairs and aligns series of different lengths at their ends', () => {
      expect(pearsonCorrelation([1, 2, Number.NaN, 3], [2, 4, 100, 6])).to.be.closeTo(1, 1e-12);
      expect(pearsonCorrelation([9, 1, 2, 3], [2, 4, 6])).to.be.closeTo(1, 1e-12);
    });

    it('finds the most positively correlated pair regardless of insertion order', () => {
      // A-B 0.8, A-C -1, B-C -0.8 -> A-B
      const series = { C: [4, 3, 2, 1], B: [1, 3, 2, 4], A: [1, 2, 3, 4] };
      const best = maxPairwiseCorrelation(series);
      expect(best?.a).to.equal('A');
      expect(best?.b).to.equal('B');
      expect(best?.value).to.be.closeTo(0.8, 1e-12);
      expect(maxPairwiseCorrelation(new Map(Object.entries(series).reverse()))).to.deep.equal(best);
    });

    it('has no pair with fewer than two tokens', () => {
      expect(maxPairwiseCorrelation({ A: [1, 2] })).to.equal(undefined);
    });
  });

  describe('classify', () => {
    it('classifies values where high is bad, thresholds inclusive', () => {
      expect(classify(2, 3, 5, 'above')).to.equal('ok');
      expect(classify(3, 3, 5, 'above')).to.equal('warning');
      expect(classify(5, 3, 5, 'above')).to.equal('critical');
      expect(classify(Infinity, 3, 5, 'above')).to.equal('critical');
    });

    it('classifies values where low is bad, thresholds inclusive', () => {
      expect(classify(0.2, 0.1, 0.05, 'below')).to.equal('ok');
      expect(classify(0.1, 0.1, 0.05, 'below')).to.equal('warning');
      expect(classify(0.03, 0.1, 0.05, 'below')).to.equal('critical');
    });
  });
});
