import { expect } from 'chai';
import { fixedFractionSize, kellyFraction, kellySize } from '../../../actors/execution/sizing.js';

describe('sizing', () => {
  it('sizes a fixed fraction of equity in tokens', () => {
    // 10000 * 0.02 / 50 = 4
    expect(fixedFractionSize(10_000, 0.02, 50)).to.equal(4);
  });

  it('sizes 0 without equity, price or a positive fraction', () => {
    expect(fixedFractionSize(0, 0.02, 50)).to.equal(0);
    expect(fixedFractionSize(10_000, 0.02, 0)).to.equal(0);
    expect(fixedFractionSize(10_000, -0.1, 50)).to.equal(0);
    expect(fixedFractionSize(Number.NaN, 0.02, 50)).to.equal(0);
  });

  it('computes the Kelly fraction p - (1 - p) / b', () => {
    // 0.6 - 0.4 / 2 = 0.4
    expect(kellyFraction(0.6, 2)).to.be.closeTo(0.4, 1e-12);
  });

  it('sizes by Kelly below the cap', () => {
    // f* = 0.4 < cap 0.5: 10000 * 0.4 / 100 = 40
    expect(kellySize(10_000, 0.6, 2, 0.5, 100)).to.be.closeTo(40, 1e-9);
  });

  it('caps the Kelly fraction', () => {
    // f* = 0.4 > cap 0.25: 10000 * 0.25 / 100 = 25
    expect(kellySize(10_000, 0.6, 2, 0.25, 100)).to.equal(25);
  });

  it('sizes 0 when there is no edge', () => {
    // 0.4 - 0.6 / 1 = -0.2 -> 0; 0.5 - 0.5 / 1 = 0
    expect(kellySize(10_000, 0.4, 1, 0.5, 100)).to.equal(0);
    expect(kellySize(10_000, 0.5, 1, 0.5, 100)).to.equal(0);
    expect(kellySize(10_000, 0.6, 0, 0.5, 100)).to.equal(0);
  });
});
