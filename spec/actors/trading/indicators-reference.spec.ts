// The incremental indicators against technicalindicators' full computation over the same series
// (the reference): every value at every one of 10,000 closes, also across a snapshot taken in the
// middle and restored through JSON as Redis would, and through the trading agent itself.
import { expect } from 'chai';
import { BollingerBands, EMA, MACD, RSI, SMA } from 'technicalindicators';
import {
  emptyIndicators,
  indicatorValues,
  indicatorWindow,
  nextIndicators,
  type IndicatorPeriods,
  type IndicatorState,
  type IndicatorValues,
} from '../../../actors/trading/indicators.js';
import { periodsOf, tradingAgent, type TradingState } from '../../../actors/trading/agent.js';
import { PriceTick } from '../../../actors/market/events.js';
import { defaultConfig } from '../../../config/schema.js';
import { runAgent, scriptedEvent } from '../../../runtime/agent/test-kit.js';
import { SeededRandom } from '../../../runtime/kit/random.js';

const N = 10_000;
const RELATIVE = 1e-9;

/** A random walk around 30,000 with flat stretches, steady runs up and down, and a crash. */
function closes(seed: number): number[] {
  const random = new SeededRandom(seed);
  const out: number[] = [];
  let price = 30_000;
  for (let i = 0; i < N; i++) {
    if (i % 1000 >= 400 && i % 1000 < 430) {
      // flat: no gains or losses
    } else if (i % 1000 >= 600 && i % 1000 < 640) price *= 1.002; // only gains
    else if (i % 1000 >= 700 && i % 1000 < 740) price *= 0.998; // only losses
    else if (i === 5_000) price *= 0.6;
    else price *= Math.exp((random.next() - 0.5) * 0.004);
    out.push(price);
  }
  return out;
}

/** technicalindicators' values at every close (undefined before each exists), as the trading agent reads them. */
function reference(series: readonly number[], p: IndicatorPeriods): IndicatorValues[] {
  const aligned = <T>(result: T[]): (T | undefined)[] => [...new Array<undefined>(series.length - result.length), ...result];
  const sma = aligned(SMA.calculate({ values: [...series], period: p.sma }));
  const ema = aligned(EMA.calculate({ values: [...series], period: p.ema }));
  const rsi = aligned(RSI.calculate({ values: [...series], period: p.rsi }));
  const macd = aligned(
    MACD.calculate({ values: [...series], fastPeriod: p.macdFast, slowPeriod: p.macdSlow, signalPeriod: p.macdSignal, SimpleMAOscillator: false, SimpleMASignal: false }),
  );
  const bb = aligned(BollingerBands.calculate({ values: [...series], period: p.bbPeriod, stdDev: p.bbStdDev }));
  return series.map((_, i) => {
    const m = macd[i];
    const b = bb[i];
    return {
      sma: sma[i],
      ema: ema[i],
      rsi: rsi[i],
      macd: m?.MACD !== undefined && m.signal !== undefined && m.histogram !== undefined ? { macd: m.MACD, signal: m.signal, histogram: m.histogram } : undefined,
      bollinger: b ? { upper: b.upper, middle: b.middle, lower: b.lower } : undefined,
    };
  });
}

function flat(v: IndicatorValues): Record<string, number | undefined> {
  return {
    sma: v.sma,
    ema: v.ema,
    rsi: v.rsi,
    macd: v.macd?.macd,
    macdSignal: v.macd?.signal,
    macdHistogram: v.macd?.histogram,
    bbUpper: v.bollinger?.upper,
    bbMiddle: v.bollinger?.middle,
    bbLower: v.bollinger?.lower,
  };
}

/** Every mismatch beyond 1e-9 relative (or presence differing), as readable lines. */
function mismatches(actual: IndicatorValues, expected: IndicatorValues, at: number): string[] {
  const a = flat(actual);
  const e = flat(expected);
  const out: string[] = [];
  for (const name of Object.keys(e)) {
    const x = a[name];
    const y = e[name];
    if (x === undefined || y === undefined) {
      if (x !== y) out.push(`close ${at} ${name}: ${x} vs reference ${y}`);
      continue;
    }
    if (Math.abs(x - y) > RELATIVE * Math.max(Math.abs(y), 1e-6)) out.push(`close ${at} ${name}: ${x} vs reference ${y}`);
  }
  return out;
}

/** Feeds the series one close at a time; at `restoreAt` the state goes through JSON, as a snapshot in Redis. */
function incremental(series: readonly number[], p: IndicatorPeriods, restoreAt?: number): { values: IndicatorValues[]; state: IndicatorState } {
  const keep = indicatorWindow(p);
  let state = emptyIndicators(p);
  let window: number[] = [];
  const values: IndicatorValues[] = [];
  for (let i = 0; i < series.length; i++) {
    if (i === restoreAt) {
      const restored = JSON.parse(JSON.stringify({ state, window })) as { state: IndicatorState; window: number[] };
      state = restored.state;
      window = restored.window;
    }
    window = [...window.slice(Math.max(0, window.length - keep + 1)), series[i]!];
    state = nextIndicators(state, window, p);
    values.push(indicatorValues(state, window, p));
  }
  return { values, state };
}

function expectMatch(values: readonly IndicatorValues[], expected: readonly IndicatorValues[]): void {
  const wrong: string[] = [];
  for (let i = 0; i < expected.length; i++) wrong.push(...mismatches(values[i]!, expected[i]!, i));
  expect(wrong.slice(0, 10), `${wrong.length} mismatches`).to.deep.equal([]);
}

describe('incremental indicators against technicalindicators', () => {
  const trading = defaultConfig().trading;
  const cases: [string, IndicatorPeriods][] = [
    ['the default trading periods', periodsOf(trading)],
    ['other periods (fast MACD, wide bands)', { sma: 7, ema: 30, rsi: 5, bbPeriod: 40, bbStdDev: 2.5, macdFast: 5, macdSlow: 35, macdSignal: 4 }],
  ];

  for (const [name, p] of cases) {
    it(`gives every value at each of 10,000 closes to 1e-9 relative, with ${name}`, () => {
      const series = closes(3);
      const expected = reference(series, p);
      const { values } = incremental(series, p);
      expectMatch(values, expected);
      // The series has every indicator defined for nearly all of it, so the match means something.
      expect(values.filter((v) => v.macd !== undefined && v.bollinger !== undefined && v.rsi !== undefined).length).to.be.above(N - 100);
      // The steady runs push RSI to both ends of its range.
      const rsi = values.map((v) => v.rsi ?? 50);
      expect([Math.min(...rsi) < 10, Math.max(...rsi) > 90]).to.deep.equal([true, true]);
    });

    it(`restores a snapshot taken mid-series bit for bit, with ${name}`, () => {
      const series = closes(4);
      const straight = incremental(series, p);
      const restored = incremental(series, p, 4_321);
      expect(restored.state).to.deep.equal(straight.state);
      expect(restored.values.map(flat)).to.deep.equal(straight.values.map(flat));
      expectMatch(restored.values, reference(series, p));
    });
  }

  it('gives the trading agent, run with a restore from a JSON snapshot in the middle, the full-series state', async () => {
    const series = closes(5);
    const agent = tradingAgent(trading);
    const ticks = series.map((price, i) => scriptedEvent(PriceTick, { price, volume: 0 }, { ts: Date.UTC(2026, 0, 1) + i * 1000, token: 'BTC' }));
    const first = await runAgent(agent, ticks.slice(0, 6_000));
    const snapshot = JSON.parse(JSON.stringify(first.state('BTC'))) as TradingState;
    const second = await runAgent(agent, ticks.slice(6_000), { initial: new Map([['BTC', snapshot]]) });
    const straight = await runAgent(agent, ticks);
    expect(second.state('BTC')).to.deep.equal(straight.state('BTC'));
    const p = periodsOf(trading);
    const last = second.state('BTC');
    expect(mismatches(indicatorValues(last.indicators!, last.closes, p), reference(series, p)[N - 1]!, N - 1)).to.deep.equal([]);
    expect(second.emitted.map((e) => e.id)).to.deep.equal(straight.emitted.slice(first.emitted.length).map((e) => e.id));
  });

  it('rebuilds the indicators from the kept closes of a snapshot that has none', async () => {
    const series = closes(6).slice(0, 200);
    const agent = tradingAgent(trading);
    const ticks = series.map((price, i) => scriptedEvent(PriceTick, { price, volume: 0 }, { ts: Date.UTC(2026, 0, 1) + i * 1000, token: 'ETH' }));
    const old = await runAgent(agent, ticks.slice(0, 150));
    const { indicators: _dropped, ...withoutIndicators } = old.state('ETH');
    const resumed = await runAgent(agent, ticks.slice(150), { initial: new Map([['ETH', withoutIndicators as TradingState]]) });
    const p = periodsOf(trading);
    const state = resumed.state('ETH');
    expect(state.indicators!.count).to.equal(trading.historySize + 50);
    // SMA and the bands look at the last 20 closes only, so they agree with the whole series at once.
    const values = indicatorValues(state.indicators!, state.closes, p);
    const full = reference(series, p)[199]!;
    expect(values.sma).to.be.closeTo(full.sma!, 1e-9 * full.sma!);
    expect(values.bollinger!.upper).to.be.closeTo(full.bollinger!.upper, 1e-9 * full.bollinger!.upper);
  });
});
