// Technical indicators over a token's whole close series, updated one close at a time in O(1):
// SMA, EMA, RSI (Wilder), MACD and Bollinger Bands, with technicalindicators' definitions (EMA
// seeded with the SMA of its first period, RSI rounded to 2 decimals, Bollinger's population
// deviation). Their state is plain numbers, so it rides in the actor's snapshot and comes back
// bit for bit. technicalindicators computes the same but keeps its running state inside
// generators, which cannot be saved, so here it is only the reference the specs check against.

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
  /** Rounded to 2 decimals, as technicalindicators does. */
  readonly rsi: number | undefined;
  readonly macd: MacdValue | undefined;
  readonly bollinger: BollingerValue | undefined;
}

/**
 * The running state of every indicator after `count` closes; null where a value does not exist
 * yet. The SMA and Bollinger sums need the close that leaves their window, so the caller keeps
 * the last `indicatorWindow(periods)` closes and passes them with each new one.
 */
export interface IndicatorState {
  /** The periods this state was built with (periodsKey); a state of other periods is rebuilt. */
  readonly periods: string;
  readonly count: number;
  readonly smaSum: number;
  readonly bbSum: number;
  readonly ema: number | null;
  readonly emaSeed: number;
  readonly fast: number | null;
  readonly fastSeed: number;
  readonly slow: number | null;
  readonly slowSeed: number;
  readonly signal: number | null;
  readonly signalSeed: number;
  readonly macdCount: number;
  readonly gainSum: number;
  readonly lossSum: number;
  readonly avgGain: number | null;
  readonly avgLoss: number | null;
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

export function periodsKey(p: IndicatorPeriods): string {
  return `${p.sma},${p.ema},${p.rsi},${p.bbPeriod},${p.bbStdDev},${p.macdFast},${p.macdSlow},${p.macdSignal}`;
}

/** Closes the caller must keep (newest last) for nextIndicators: each window plus the close leaving it. */
export function indicatorWindow(p: IndicatorPeriods): number {
  return Math.max(p.sma, p.bbPeriod) + 1;
}

export function emptyIndicators(p: IndicatorPeriods): IndicatorState {
  return {
    periods: periodsKey(p),
    count: 0,
    smaSum: 0,
    bbSum: 0,
    ema: null,
    emaSeed: 0,
    fast: null,
    fastSeed: 0,
    slow: null,
    slowSeed: 0,
    signal: null,
    signalSeed: 0,
    macdCount: 0,
    gainSum: 0,
    lossSum: 0,
    avgGain: null,
    avgLoss: null,
  };
}

/** Sum over a window of `period` values, the newest being the `count`-th: seeded, then slid. */
function slide(sum: number, period: number, count: number, x: number, closes: readonly number[]): number {
  return count <= period ? sum + x : sum - closes[closes.length - 1 - period]! + x;
}

function seedOf(seed: number, period: number, count: number, x: number): number {
  return count <= period ? seed + x : seed;
}

/** The EMA after its `count`-th input: none before `period` inputs, then the seed's mean, then smoothed. */
function emaOf(previous: number | null, seed: number, period: number, count: number, x: number): number | null {
  if (count < period) return null;
  if (count === period || previous === null) return seed / period;
  return (x - previous) * (2 / (period + 1)) + previous;
}

/** Wilder's average after the `changes`-th change: the plain mean of the first `period`, then smoothed. */
function wilder(previous: number | null, sum: number, period: number, changes: number, move: number): number | null {
  if (changes < period) return null;
  if (previous === null) return sum / period;
  return (previous * (period - 1) + move) / period;
}

/**
 * The state after one more close. `closes` ends with that close and holds the last
 * indicatorWindow(periods) closes (fewer only while the series is shorter).
 */
export function nextIndicators(s: IndicatorState, closes: readonly number[], p: IndicatorPeriods): IndicatorState {
  const x = closes[closes.length - 1]!;
  const count = s.count + 1;
  const emaSeed = seedOf(s.emaSeed, p.ema, count, x);
  const fastSeed = seedOf(s.fastSeed, p.macdFast, count, x);
  const slowSeed = seedOf(s.slowSeed, p.macdSlow, count, x);
  const fast = emaOf(s.fast, fastSeed, p.macdFast, count, x);
  const slow = emaOf(s.slow, slowSeed, p.macdSlow, count, x);

  let { signal, signalSeed, macdCount } = s;
  if (fast !== null && slow !== null) {
    const macd = fast - slow;
    macdCount += 1;
    signalSeed = seedOf(signalSeed, p.macdSignal, macdCount, macd);
    signal = emaOf(signal, signalSeed, p.macdSignal, macdCount, macd);
  }

  let { gainSum, lossSum, avgGain, avgLoss } = s;
  if (count > 1) {
    const change = x - closes[closes.length - 2]!;
    const gain = change > 0 ? change : 0;
    const loss = change < 0 ? -change : 0;
    const changes = count - 1;
    if (changes <= p.rsi) {
      gainSum += gain;
      lossSum += loss;
    }
    avgGain = wilder(avgGain, gainSum, p.rsi, changes, gain);
    avgLoss = wilder(avgLoss, lossSum, p.rsi, changes, loss);
  }

  return {
    periods: s.periods,
    count,
    smaSum: slide(s.smaSum, p.sma, count, x, closes),
    bbSum: slide(s.bbSum, p.bbPeriod, count, x, closes),
    ema: emaOf(s.ema, emaSeed, p.ema, count, x),
    emaSeed,
    fast,
    fastSeed,
    slow,
    slowSeed,
    signal,
    signalSeed,
    macdCount,
    gainSum,
    lossSum,
    avgGain,
    avgLoss,
  };
}

function rsiOf(avgGain: number | null, avgLoss: number | null): number | undefined {
  if (avgGain === null || avgLoss === null) return undefined;
  if (avgLoss === 0) return 100;
  if (avgGain === 0) return 0;
  return Number((100 - 100 / (1 + avgGain / avgLoss)).toFixed(2));
}

/** Population standard deviation of the last `period` closes around `mean`. */
function deviation(closes: readonly number[], period: number, mean: number): number {
  let squares = 0;
  for (let i = closes.length - period; i < closes.length; i++) squares += (closes[i]! - mean) ** 2;
  return Math.sqrt(squares / period);
}

/** The indicator values of a state, given the same closes window it was last advanced with. */
export function indicatorValues(s: IndicatorState, closes: readonly number[], p: IndicatorPeriods): IndicatorValues {
  let bollinger: BollingerValue | undefined;
  if (s.count >= p.bbPeriod) {
    const middle = s.bbSum / p.bbPeriod;
    const width = deviation(closes, p.bbPeriod, middle) * p.bbStdDev;
    bollinger = { upper: middle + width, middle, lower: middle - width };
  }
  const macdLine = s.fast !== null && s.slow !== null ? s.fast - s.slow : undefined;
  return {
    sma: s.count >= p.sma ? s.smaSum / p.sma : undefined,
    ema: s.ema ?? undefined,
    rsi: rsiOf(s.avgGain, s.avgLoss),
    macd: macdLine !== undefined && s.signal !== null ? { macd: macdLine, signal: s.signal, histogram: macdLine - s.signal } : undefined,
    bollinger,
  };
}

/** Folds a whole series of closes (oldest first) into a state. */
export function indicatorsOver(closes: readonly number[], p: IndicatorPeriods): IndicatorState {
  const keep = indicatorWindow(p);
  let state = emptyIndicators(p);
  for (let i = 0; i < closes.length; i++) state = nextIndicators(state, closes.slice(Math.max(0, i + 1 - keep), i + 1), p);
  return state;
}
