// Latest technical indicator values for a series of closes, computed with technicalindicators.
// Each value is undefined until the history is long enough for it.
import { BollingerBands, EMA, MACD, RSI, SMA } from 'technicalindicators';

export interface IndicatorPeriods {
  readonly sma: number;
  readonly ema: number;
  readonly rsi: number;
  readonly bbPeriod: number;
  readonly bbStdDev: number;
  readonly macdFast: number;
  readonly macdSlow: number;
  readonly macdSignal: number;
}

export interface MacdValue {
  readonly macd: number;
  readonly signal: number;
  readonly histogram: number;
}

export interface BollingerValue {
  readonly upper: number;
  readonly middle: number;
  readonly lower: number;
}

export interface IndicatorValues {
  readonly sma: number | undefined;
  readonly ema: number | undefined;
  /** Rounded to 2 decimals by technicalindicators. */
  readonly rsi: number | undefined;
  readonly macd: MacdValue | undefined;
  readonly bollinger: BollingerValue | undefined;
}

export const DEFAULT_PERIODS: IndicatorPeriods = {
  sma: 20,
  ema: 20,
  rsi: 14,
  bbPeriod: 20,
  bbStdDev: 2,
  macdFast: 12,
  macdSlow: 26,
  macdSignal: 9,
};

function last<T>(xs: readonly T[]): T | undefined {
  return xs.length > 0 ? xs[xs.length - 1] : undefined;
}

export function computeIndicators(closes: readonly number[], periods: IndicatorPeriods): IndicatorValues {
  // technicalindicators may reverse its input in place, so it always gets a copy. SMA and
  // Bollinger Bands depend only on their last `period` closes, so they get just those (the hot
  // path runs this on every tick); EMA, RSI and MACD are recursive and get the whole window.
  const values = (): number[] => [...closes];
  const tail = (n: number): number[] => closes.slice(Math.max(0, closes.length - n));
  const macdRaw = last(
    MACD.calculate({
      values: values(),
      fastPeriod: periods.macdFast,
      slowPeriod: periods.macdSlow,
      signalPeriod: periods.macdSignal,
      SimpleMAOscillator: false,
      SimpleMASignal: false,
    }),
  );
  const bbRaw = last(BollingerBands.calculate({ values: tail(periods.bbPeriod), period: periods.bbPeriod, stdDev: periods.bbStdDev }));
  const macd =
    macdRaw?.MACD !== undefined && macdRaw.signal !== undefined && macdRaw.histogram !== undefined
      ? { macd: macdRaw.MACD, signal: macdRaw.signal, histogram: macdRaw.histogram }
      : undefined;
  return {
    sma: last(SMA.calculate({ values: tail(periods.sma), period: periods.sma })),
    ema: last(EMA.calculate({ values: values(), period: periods.ema })),
    rsi: last(RSI.calculate({ values: values(), period: periods.rsi })),
    macd,
    bollinger: bbRaw ? { upper: bbRaw.upper, middle: bbRaw.middle, lower: bbRaw.lower } : undefined,
  };
}
