// The trading actor, one per token: folds every close into its indicators (O(1) per tick, over the
// whole series), keeps a capped window of recent closes, computes the weighted technical score on
// every tick once warmed up, and publishes a signal when the
// decision is buy or sell and it is new (side changed) or the cooldown since the last one passed.
// With an LLM, that rule-based candidate is first put to the model without blocking the mailbox:
// the request runs as piped work whose recorded answer comes back through the log (llm-advice.ts).
import { defineAgent, type AgentContext, type RecoveryContext } from '../../runtime/agent/agent.js';
import type { LlmAction, LlmClient } from '../../runtime/ports/llm.js';
import { PriceTick, type PriceTickEvent } from '../market/events.js';
import type { TradingSettings } from './config.js';
import { LlmDecisionRecorded, Signal, type LlmDecisionRecordedEvent, type SignalCandidate, type SignalData } from './events.js';
import { emptyIndicators, indicatorsOver, indicatorValues, indicatorWindow, nextIndicators, periodsKey, type IndicatorPeriods, type IndicatorState, type IndicatorValues } from './indicators.js';
import { adviceFrom, heldBack, isAbandoned, llmRequestId, NO_LLM_ACTIVITY, pendingDeadlineMs, type LlmCounters, type LlmHold, type LlmPending } from './llm-advice.js';
import { ALLOWED_ACTIONS, askModel } from './llm-request.js';
import { EntryGate } from '../execution/events.js';
import { confidence, decide, technicalScore, type SubScores } from './technical-score.js';
import { logReturns, realizedVolatility, recentReturns } from './volatility.js';

export interface TradingState {
  /** The most recent closes, oldest first: historySize of them, or more if an indicator window needs it. */
  readonly closes: readonly number[];
  /** Every indicator's running state over all closes seen; absent in a snapshot from before it existed. */
  readonly indicators?: IndicatorState;
  readonly lastSignalTs: number | null;
  readonly lastSide: 'buy' | 'sell' | null;
  /** LLM path only (absent without it): the request in flight for this token, at most one. */
  readonly llmPending?: LlmPending | null;
  /** LLM path only: the candidate side the model last declined, held back for the cooldown. */
  readonly llmHold?: LlmHold | null;
  readonly llm?: LlmCounters;
  /** LLM path only: what execution's safety checks would let an order do now (execution.gate). */
  readonly gate?: { readonly allowed: readonly ('buy' | 'sell')[]; readonly maxNotional: number } | null;
}

export interface TradingLlm {
  readonly client: LlmClient;
  /** Answers below this confidence are holds. */
  readonly minConfidence: number;
  /** Quote currency: the largest entry the model may ask for (shown as a size at the tick price; it answers a fraction). Execution's checks still apply. */
  readonly maxNotional: number;
  /** The client's own timeout (config llm.timeoutMs). */
  readonly timeoutMs: number;
  /**
   * Event time after which a request still pending is given up (default 2 x timeoutMs + 1 s, which
   * suits a live feed). A fast replay runs far ahead of wall time, so it wants a longer one; a
   * restart gives up pending requests at once either way (their work died with the process).
   */
  readonly abandonAfterMs?: number;
}

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

/**
 * The rule-based decision at the latest close, from its indicator values, or undefined when the
 * rules say hold. Volatility and returns come from the last historySize closes.
 */
export function ruleCandidate(closes: readonly number[], ind: IndicatorValues, settings: TradingSettings): SignalCandidate | undefined {
  const price = closes[closes.length - 1]!;
  const { score, subScores } = technicalScore(ind, price, settings.weights);
  const side = decide(score, settings.threshold);
  if (side === 'hold') return undefined;
  const returns = logReturns(closes.length > settings.historySize ? closes.slice(closes.length - settings.historySize) : closes);
  const volatility = realizedVolatility(returns);
  return {
    side,
    score,
    confidence: confidence(score),
    price,
    indicators: volatility !== undefined ? { ...flattenIndicators(ind), volatility } : flattenIndicators(ind),
    reason: describe(side, score, settings.threshold, subScores),
    returns: recentReturns(returns),
  };
}

function describe(side: 'buy' | 'sell', score: number, threshold: number, sub: SubScores): string {
  const parts = Object.entries(sub)
    .sort(([, a], [, b]) => Math.abs(b!) - Math.abs(a!))
    .slice(0, 3)
    .map(([k, v]) => `${k} ${v! >= 0 ? '+' : ''}${v!.toFixed(2)}`);
  return `${side}: score ${score.toFixed(3)} beyond ±${threshold} (${parts.join(', ')})`;
}

export function tradingAgent(settings: TradingSettings, llm?: TradingLlm) {
  const periods = periodsOf(settings);
  const indicatorsKey = periodsKey(periods);
  const keep = Math.max(settings.historySize, indicatorWindow(periods));
  const minCloses = warmUp(settings);
  if (llm) checkLlmOptions(llm);

  const isFresh = (state: TradingState, side: 'buy' | 'sell', now: number): boolean =>
    side !== state.lastSide || state.lastSignalTs === null || now - state.lastSignalTs >= settings.cooldownMs;

  const publish = (state: TradingState, signal: SignalData, ctx: AgentContext): TradingState => {
    ctx.emit(Signal, signal);
    return { ...state, lastSignalTs: ctx.now(), lastSide: signal.side };
  };

  const onTick = (state: TradingState, event: PriceTickEvent, ctx: AgentContext): TradingState => {
    // A state without indicators of these periods (an older snapshot, changed settings) rebuilds them from its closes.
    const before = state.indicators?.periods === indicatorsKey ? state.indicators : indicatorsOver(state.closes, periods);
    const kept = state.closes.length >= keep ? state.closes.slice(state.closes.length - keep + 1) : state.closes.slice();
    kept.push(event.data.price);
    const indicators = nextIndicators(before, kept, periods);
    let next: TradingState = { ...state, closes: kept, indicators };
    const now = ctx.now();
    if (llm) next = abandonLost(next, now, Math.max(pendingDeadlineMs(llm.timeoutMs), llm.abandonAfterMs ?? 0), ctx);
    if (kept.length < minCloses) return next;

    const candidate = ruleCandidate(kept, indicatorValues(indicators, kept, periods), settings);
    if (!candidate || !isFresh(next, candidate.side, now)) return next;
    if (!llm) return publish(next, { ...candidate, origin: 'rules' }, ctx);

    // At most one request in flight per token; a side the model just declined waits out the cooldown.
    if (next.llmPending || heldBack(next.llmHold, candidate.side, now, settings.cooldownMs)) return next;
    // The model is offered only what the safety checks would pass; with nothing to offer it is not asked.
    const gate = next.gate;
    if (gate && gate.allowed.length === 0) return publish(next, { ...candidate, origin: 'rules' }, ctx);
    const maxNotional = gate ? Math.min(llm.maxNotional, gate.maxNotional) : llm.maxNotional;
    const allowedActions: LlmAction[] = gate ? [...gate.allowed, 'hold'] : [...ALLOWED_ACTIONS];
    const requestId = llmRequestId(event.id);
    const question = { requestId, correlationId: event.correlationId, token: ctx.key, ts: now, candidate, maxSize: maxNotional / candidate.price, allowedActions };
    ctx.pipeToLog(LlmDecisionRecorded, () => askModel(llm.client, question), { idSeed: requestId });
    const counters = next.llm ?? NO_LLM_ACTIVITY;
    return { ...next, llmPending: { requestId, since: now, candidate }, llm: { ...counters, requests: counters.requests + 1 } };
  };

  const onDecision = (state: TradingState, event: LlmDecisionRecordedEvent, ctx: AgentContext, minConfidence: number): TradingState => {
    const record = event.data;
    const counters = state.llm ?? NO_LLM_ACTIVITY;
    const pending = state.llmPending;
    if (!pending || pending.requestId !== record.requestId) {
      if (!ctx.replaying) ctx.log.info({ requestId: record.requestId, pending: pending?.requestId ?? null, outcome: record.outcome }, 'LLM decision matches no pending request; ignored');
      return { ...state, llm: { ...counters, ignored: counters.ignored + 1 } };
    }
    const advice = adviceFrom(record, pending, minConfidence);
    const cleared: TradingState = { ...state, llmPending: null };
    switch (advice.kind) {
      case 'hold':
        ctx.log.debug({ requestId: record.requestId, why: advice.why }, 'LLM declined the candidate');
        return { ...cleared, llmHold: { side: pending.candidate.side, ts: ctx.now() }, llm: { ...counters, holds: counters.holds + 1 } };
      case 'fallback': {
        if (!ctx.replaying) ctx.log.warn({ requestId: record.requestId, failure: advice.failure }, 'LLM request failed; using the rule-based signal');
        const counted = { ...cleared, llm: { ...counters, fallbacks: counters.fallbacks + 1 } };
        return isFresh(counted, advice.signal.side, ctx.now()) ? publish(counted, advice.signal, ctx) : counted;
      }
      case 'trade': {
        const counted = { ...cleared, llm: { ...counters, decisions: counters.decisions + 1 } };
        return isFresh(counted, advice.signal.side, ctx.now()) ? publish(counted, advice.signal, ctx) : counted;
      }
    }
  };

  return defineAgent({
    name: 'trading',
    consumes: llm ? [PriceTick, LlmDecisionRecorded, EntryGate] : [PriceTick],
    key: 'token',
    initialState: (): TradingState =>
      llm
        ? { closes: [], indicators: emptyIndicators(periods), lastSignalTs: null, lastSide: null, llmPending: null, llmHold: null, llm: NO_LLM_ACTIVITY }
        : { closes: [], indicators: emptyIndicators(periods), lastSignalTs: null, lastSide: null },
    // A request pending across a restart will never be answered: its work died with the old actor.
    ...(llm
      ? {
          recover: async (state: TradingState, ctx: RecoveryContext): Promise<TradingState> => {
            if (!state.llmPending) return state;
            ctx.log.warn({ requestId: state.llmPending.requestId }, 'LLM request pending across a restart; given up');
            const counters = state.llm ?? NO_LLM_ACTIVITY;
            return { ...state, llmPending: null, llm: { ...counters, abandoned: counters.abandoned + 1 } };
          },
        }
      : {}),
    handle: (state, event, ctx) => {
      if (event.type === PriceTick.type) return onTick(state, event, ctx);
      if (event.type === EntryGate.type) return { ...state, gate: { allowed: event.data.allowed, maxNotional: event.data.maxNotional } };
      // Without an LLM the agent does not consume decisions; a stray one changes nothing.
      return llm ? onDecision(state, event, ctx, llm.minConfidence) : state;
    },
  });
}

/** A request pending past its deadline was lost with a crashed process: give it up so the token is not stuck. */
function abandonLost(state: TradingState, now: number, deadlineMs: number, ctx: AgentContext): TradingState {
  const pending = state.llmPending;
  if (!pending || !isAbandoned(pending, now, deadlineMs)) return state;
  if (!ctx.replaying) ctx.log.warn({ requestId: pending.requestId, since: pending.since }, 'LLM request lost (no answer recorded by its deadline); abandoned');
  const counters = state.llm ?? NO_LLM_ACTIVITY;
  return { ...state, llmPending: null, llm: { ...counters, abandoned: counters.abandoned + 1 } };
}

function checkLlmOptions(llm: TradingLlm): void {
  if (!(Number.isFinite(llm.minConfidence) && llm.minConfidence >= 0 && llm.minConfidence <= 1)) {
    throw new RangeError(`llm minConfidence must be in [0, 1], got ${llm.minConfidence}`);
  }
  if (!(Number.isFinite(llm.maxNotional) && llm.maxNotional > 0)) throw new RangeError(`llm maxNotional must be a positive number, got ${llm.maxNotional}`);
  if (!(Number.isFinite(llm.timeoutMs) && llm.timeoutMs > 0)) throw new RangeError(`llm timeoutMs must be a positive number, got ${llm.timeoutMs}`);
  if (llm.abandonAfterMs !== undefined && !(Number.isFinite(llm.abandonAfterMs) && llm.abandonAfterMs > 0)) throw new RangeError(`llm abandonAfterMs must be a positive number, got ${llm.abandonAfterMs}`);
}
