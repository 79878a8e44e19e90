import { expect } from 'chai';
import { indicatorsOver, indicatorValues, indicatorWindow, type IndicatorPeriods, type IndicatorValues } from '../../../actors/trading/indicators.js';

/** The latest values for a series of closes, folded from its start as the trading actor does. */
function computeIndicators(closes: readonly number[], p: IndicatorPeriods): IndicatorValues {
  return indicatorValues(indicatorsOver(closes, p), closes.slice(Math.max(0, closes.length - indicatorWindow(p))), p);
}

const P: IndicatorPeriods = { sma: 3, ema: 3, rsi: 3, bbPeriod: 3, bbStdDev: 2, macdFast: 2, macdSlow: 3, macdSignal: 2 };
const CLOSES = [10, 11, 12, 13, 15];

describe('indicators', () => {
  it('gives the latest SMA as the mean of the last period closes', () => {
    // (12 + 13 + 15) / 3 = 40 / 3
    expect(computeIndicators(CLOSES, P).sma).to.be.closeTo(40 / 3, 1e-12);
  });

  it('gives the latest EMA seeded with the first SMA', () => {
    // k = 2 / (3 + 1) = 0.5; seed SMA(10, 11, 12) = 11; 13: 0.5*13 + 0.5*11 = 12; 15: 0.5*15 + 0.5*12 = 13.5
    expect(computeIndicators(CLOSES, P).ema).to.be.closeTo(13.5, 1e-12);
  });

  it('gives RSI 100 on a strictly rising series and 0 on a strictly falling one', () => {
    expect(computeIndicators([1, 2, 3, 4, 5, 6], P).rsi).to.equal(100);
    expect(computeIndicators([6, 5, 4, 3, 2, 1], P).rsi).to.equal(0);
  });

  it('gives RSI from average gain and loss', () => {
    // changes over [10, 12, 11, 13]: +2, -1, +2; avg gain 4/3, avg loss 1/3, RS = 4, RSI = 100 - 100/5 = 80
    expect(computeIndicators([10, 12, 11, 13], P).rsi).to.equal(80);
  });

  it('gives MACD line, signal and histogram from EMAs', () => {
    // EMA2 (k = 2/3), seed (10 + 11)/2 = 10.5: 12 -> 11.5, 13 -> 12.5, 15 -> 10 + 12.5/3 = 14.1667
    // EMA3 (k = 1/2): 11, 12, 13.5. MACD = 0.5, 0.5, 14.1667 - 13.5 = 0.6667
    // signal EMA2 seeded with mean(0.5, 0.5) = 0.5: (2/3)(2/3) + 0.5/3 = 0.6111; histogram 0.0556
    const m = computeIndicators(CLOSES, P).macd;
    expect(m?.macd).to.be.closeTo(2 / 3, 1e-9);
    expect(m?.signal).to.be.closeTo(4 / 9 + 1 / 6, 1e-9);
    expect(m?.histogram).to.be.closeTo(2 / 3 - (4 / 9 + 1 / 6), 1e-9);
  });

  it('gives Bollinger Bands from the population standard deviation', () => {
    // last 3 = 12, 13, 15; mean 40/3; deviations -4/3, -1/3, 5/3; variance (16 + 1 + 25)/9/3 = 14/9
    // sd = sqrt(14)/3 = 1.2472; bands = 13.333 +/- 2 * 1.2472
    const b = computeIndicators(CLOSES, P).bollinger;
    const sd = Math.sqrt(14) / 3;
    expect(b?.middle).to.be.closeTo(40 / 3, 1e-9);
    expect(b?.upper).to.be.closeTo(40 / 3 + 2 * sd, 1e-9);
    expect(b?.lower).to.be.closeTo(40 / 3 - 2 * sd, 1e-9);
  });

  it('leaves every indicator undefined when the history is too short', () => {
    expect(computeIndicators([1, 2], P)).to.deep.equal({
      sma: undefined,
      ema: undefined,
      rsi: undefined,
      macd: undefined,
      bollinger: undefined,
    });
  });

  it('leaves MACD undefined until its signal line exists', () => {
    // slow EMA needs 3 closes and the signal 2 MACD values: first full MACD at close 4
    expect(computeIndicators([10, 11, 12], P).macd).to.equal(undefined);
    expect(computeIndicators([10, 11, 12, 13], P).macd).to.not.equal(undefined);
  });

  it('does not modify the closes it is given', () => {
    const closes = [...CLOSES];
    computeIndicators(closes, P);
    expect(closes).to.deep.equal(CLOSES);
  });
});
