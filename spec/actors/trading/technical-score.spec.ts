import { expect } from 'chai';
import type { IndicatorValues } from '../../../actors/trading/indicators.js';
import {
  confidence,
  decide,
  subScores,
  technicalScore,
  weightedScore,
} from '../../../actors/trading/technical-score.js';

const NONE: IndicatorValues = { sma: undefined, ema: undefined, rsi: undefined, macd: undefined, bollinger: undefined };
const IND: IndicatorValues = {
  sma: 100,
  ema: 98,
  rsi: 40,
  macd: { macd: 1, signal: 0.5, histogram: 0.5 },
  bollinger: { upper: 110, middle: 100, lower: 90 },
};
// At price 102 with scales distance 0.05 and macd 0.01:
const SMA = 0.4; // (102 - 100)/100 = 0.02 / 0.05
const EMA = 4 / 98 / 0.05; // (102 - 98)/98 = 0.0408 / 0.05 = 0.8163
const RSI = 0.5; // (50 - 40)/20
const MACD = 0.5 / 102 / 0.01; // 0.0049 / 0.01 = 0.4902
const BB = -0.2; // -(102 - 100) / ((110 - 90)/2)

describe('technical-score', () => {
  it('scores each indicator by its documented rule', () => {
    const s = subScores(IND, 102);
    expect(s.sma).to.be.closeTo(SMA, 1e-12);
    expect(s.ema).to.be.closeTo(EMA, 1e-12);
    expect(s.rsi).to.be.closeTo(RSI, 1e-12);
    expect(s.macd).to.be.closeTo(MACD, 1e-12);
    expect(s.bollinger).to.be.closeTo(BB, 1e-12);
  });

  it('maps RSI 30 to +1, 50 to 0 and 70 to -1, clipped beyond', () => {
    expect(subScores({ ...NONE, rsi: 30 }, 1).rsi).to.equal(1);
    expect(subScores({ ...NONE, rsi: 50 }, 1).rsi).to.equal(0);
    expect(subScores({ ...NONE, rsi: 70 }, 1).rsi).to.equal(-1);
    expect(subScores({ ...NONE, rsi: 10 }, 1).rsi).to.equal(1);
    expect(subScores({ ...NONE, rsi: 95 }, 1).rsi).to.equal(-1);
  });

  it('clips moving-average distance to [-1, 1]', () => {
    // (120 - 100)/100 / 0.05 = 4 -> 1; (80 - 100)/100 / 0.05 = -4 -> -1
    expect(subScores({ ...NONE, sma: 100 }, 120).sma).to.equal(1);
    expect(subScores({ ...NONE, ema: 100 }, 80).ema).to.equal(-1);
  });

  it('scores the lower Bollinger band +1, the upper -1, and zero-width bands 0', () => {
    const bands = { upper: 110, middle: 100, lower: 90 };
    expect(subScores({ ...NONE, bollinger: bands }, 90).bollinger).to.equal(1);
    expect(subScores({ ...NONE, bollinger: bands }, 110).bollinger).to.equal(-1);
    expect(subScores({ ...NONE, bollinger: { upper: 5, middle: 5, lower: 5 } }, 6).bollinger).to.equal(0);
  });

  it('averages sub-scores with equal default weights', () => {
    // (0.4 + 0.8163 + 0.5 + 0.4902 - 0.2) / 5 = 0.4013
    expect(technicalScore(IND, 102).score).to.be.closeTo((SMA + EMA + RSI + MACD + BB) / 5, 1e-12);
  });

  it('normalises by the sum of configured weights', () => {
    // weights sma 2, ema 0, rsi 1, macd 1, bollinger 0: (2*0.4 + 0.5 + 0.4902) / 4 = 0.4475
    const w = { sma: 2, ema: 0, rsi: 1, macd: 1, bollinger: 0 };
    expect(weightedScore(subScores(IND, 102), w)).to.be.closeTo((2 * SMA + RSI + MACD) / 4, 1e-12);
  });

  it('leaves indicators without a value out of both sum and weights', () => {
    // only RSI 60: (50 - 60)/20 = -0.5, weight 1 / 1
    expect(technicalScore({ ...NONE, rsi: 60 }, 100).score).to.equal(-0.5);
    expect(technicalScore(NONE, 100).score).to.equal(0);
  });

  it('buys at or above the threshold, sells at or below its negative, holds between', () => {
    expect(decide(0.4, 0.3)).to.equal('buy');
    expect(decide(0.3, 0.3)).to.equal('buy');
    expect(decide(-0.4, 0.3)).to.equal('sell');
    expect(decide(0.2, 0.3)).to.equal('hold');
    expect(decide(-0.2, 0.3)).to.equal('hold');
    expect(decide(0, 0)).to.equal('hold');
  });

  it('takes confidence as |score| capped at 1', () => {
    expect(confidence(-0.4)).to.equal(0.4);
    expect(confidence(1.3)).to.equal(1);
  });
});
