// The trading actor, one per token: keeps a capped window of closes, computes the indicators and
// the weighted technical score on every tick once warmed up, and publishes a signal when the
// decision is buy or sell and it is new (side changed) or the cooldown since the last one passed.
import type { Config } from '../../config/schema.js';
import { defineAgent } from '../../runtime/agent.js';
import { PriceTick } from '../market/events.js';
import { Signal } from './events.js';
import { computeIndicators, type IndicatorPeriods, type IndicatorValues } from './indicators.js';
import { confidence, decide, technicalScore, type SubScores } from './technical-score.js';

export interface TradingState {
  readonly closes: readonly number[];
  readonly lastSignalTs: number | null;
  readonly lastSide: 'buy' | 'sell' | null;
}

type TradingSettings = Config['trading'];

export function periodsOf(settings: TradingSettings): IndicatorPeriods {
  return {
    sma: settings.smaPeriod,
    ema: settings.emaPeriod,
    rsi: settings.rsiPeriod,
    bbPeriod: settings.bbPeriod,
    bbStdDev: settings.bbStdDev,
    macdFast: settings.macdFast,
    macdSlow: settings.macdSlow,
    macdSignal: settings.macdSignal,
  };
}

/** Closes needed before every indicator has a value (capped by the history kept). */
export function warmUp(settings: TradingSettings): number {
  const needed = Math.max(
    settings.smaPeriod,
    settings.emaPeriod,
    settings.rsiPeriod + 1,
    settings.bbPeriod,
    Math.max(settings.macdSlow, settings.macdFast) + settings.macdSignal - 1,
  );
  return Math.min(needed, settings.historySize);
}

/** The indicator values as a flat record of finite numbers, for the signal's evidence. */
export function flattenIndicators(ind: IndicatorValues): Record<string, number> {
  const out: Record<string, number> = {};
  const put = (name: string, v: number | undefined): void => {
    if (v !== undefined && Number.isFinite(v)) out[name] = v;
  };
  put('sma', ind.sma);
  put('ema', ind.ema);
  put('rsi', ind.rsi);
  put('macd', ind.macd?.macd);
  put('macdSignal', ind.macd?.signal);
  put('macdHistogram', ind.macd?.histogram);
  put('bbUpper', ind.bollinger?.upper);
  put('bbMiddle', ind.bollinger?.middle);
  put('bbLower', ind.bollinger?.lower);
  return out;
}

function describe(side: 'buy' | 'sell', score: number, threshold: number, sub: SubScores): string {
  const parts = Object.entries(sub)
    .sort(([, a], [, b]) => Math.abs(b!) - Math.abs(a!))
    .slice(0, 3)
    .map(([k, v]) => `${k} ${v! >= 0 ? '+' : ''}${v!.toFixed(2)}`);
  return `${side}: score ${score.toFixed(3)} beyond ±${threshold} (${parts.join(', ')})`;
}

export function tradingAgent(settings: TradingSettings) {
  const periods = periodsOf(settings);
  const minCloses = warmUp(settings);
  return defineAgent({
    name: 'trading',
    consumes: [PriceTick],
    key: 'token',
    initialState: (): TradingState => ({ closes: [], lastSignalTs: null, lastSide: null }),
    handle: (state, event, ctx) => {
      const price = event.data.price;
      const kept = state.closes.length >= settings.historySize ? state.closes.slice(1) : state.closes.slice();
      kept.push(price);
      const next: TradingState = { ...state, closes: kept };
      if (kept.length < minCloses) return next;

      const ind = computeIndicators(kept, periods);
      const { score, subScores } = technicalScore(ind, price, settings.weights);
      const side = decide(score, settings.threshold);
      if (side === 'hold') return next;
      const now = ctx.now();
      const fresh = side !== state.lastSide || state.lastSignalTs === null || now - state.lastSignalTs >= settings.cooldownMs;
      if (!fresh) return next;

      ctx.emit(Signal, {
        side,
        score,
        confidence: confidence(score),
        price,
        indicators: flattenIndicators(ind),
        reason: describe(side, score, settings.threshold, subScores),
      });
      return { closes: kept, lastSignalTs: now, lastSide: side };
    },
  });
}
