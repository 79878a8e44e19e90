// Turns indicator values and the last price into sub-scores in [-1, 1] (positive = bullish), a
// weighted technical score, and a buy/sell/hold decision. Trend rules (SMA, EMA, MACD) follow the
// move; oscillator rules (RSI, Bollinger) lean against stretched prices (mean reversion).
import type { IndicatorValues } from './indicators.js';

export type ScoreComponent = 'sma' | 'ema' | 'rsi' | 'macd' | 'bollinger';
export type ScoreWeights = Readonly<Record<ScoreComponent, number>>;
export type SubScores = Readonly<Partial<Record<ScoreComponent, number>>>;

export interface ScoreScales {
  /** Relative distance from SMA/EMA that maps to a full +/-1 (0.05 = 5%). */
  readonly distance: number;
  /** MACD histogram as a fraction of price that maps to a full +/-1. */
  readonly macd: number;
}

export const DEFAULT_WEIGHTS: ScoreWeights = { sma: 1, ema: 1, rsi: 1, macd: 1, bollinger: 1 };
export const DEFAULT_SCALES: ScoreScales = { distance: 0.05, macd: 0.01 };

export type Decision = 'buy' | 'sell' | 'hold';

export function clip(x: number, lo = -1, hi = 1): number {
  return Math.max(lo, Math.min(hi, x));
}

/**
 * Rules, each clipped to [-1, 1]; an indicator that is undefined yields no sub-score:
 * - sma, ema: ((price - ma) / ma) / scales.distance
 * - rsi: (50 - rsi) / 20, so RSI 30 (oversold) = +1, 50 = 0, 70 (overbought) = -1
 * - macd: (histogram / price) / scales.macd
 * - bollinger: -(price - middle) / ((upper - lower) / 2), so the lower band = +1, the upper = -1;
 *   0 when the bands have zero width.
 */
export function subScores(ind: IndicatorValues, price: number, scales: ScoreScales = DEFAULT_SCALES): SubScores {
  const out: Partial<Record<ScoreComponent, number>> = {};
  if (ind.sma !== undefined && ind.sma > 0) out.sma = clip((price - ind.sma) / ind.sma / scales.distance);
  if (ind.ema !== undefined && ind.ema > 0) out.ema = clip((price - ind.ema) / ind.ema / scales.distance);
  if (ind.rsi !== undefined) out.rsi = clip((50 - ind.rsi) / 20);
  if (ind.macd !== undefined && price > 0) out.macd = clip(ind.macd.histogram / price / scales.macd);
  if (ind.bollinger !== undefined) {
    const half = (ind.bollinger.upper - ind.bollinger.lower) / 2;
    out.bollinger = half > 0 ? clip(-(price - ind.bollinger.middle) / half) : 0;
  }
  return out;
}

/** Sum of weight * sub-score over the sub-scores present, divided by those weights' sum; 0 if none. */
export function weightedScore(scores: SubScores, weights: ScoreWeights = DEFAULT_WEIGHTS): number {
  let num = 0;
  let den = 0;
  for (const key of Object.keys(scores) as ScoreComponent[]) {
    const s = scores[key];
    const w = weights[key];
    if (s === undefined || !(w > 0)) continue;
    num += w * s;
    den += w;
  }
  return den > 0 ? clip(num / den) : 0;
}

export function technicalScore(
  ind: IndicatorValues,
  price: number,
  weights: ScoreWeights = DEFAULT_WEIGHTS,
  scales: ScoreScales = DEFAULT_SCALES,
): { readonly subScores: SubScores; readonly score: number } {
  const sub = subScores(ind, price, scales);
  return { subScores: sub, score: weightedScore(sub, weights) };
}

/** 'buy' when score >= threshold, 'sell' when score <= -threshold; a zero score always holds. */
export function decide(score: number, threshold: number): Decision {
  if (score > 0 && score >= threshold) return 'buy';
  if (score < 0 && score <= -threshold) return 'sell';
  return 'hold';
}

export function confidence(score: number): number {
  return Math.min(1, Math.abs(score));
}
