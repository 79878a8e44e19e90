// The risk actor (singleton): marks every position from the ticks, watches leverage, liquidation
// distance and return correlation, publishes a risk.alert whenever a level changes, and on a
// critical level force-closes the ticked token through order.commands, once per episode.
import { defineAgent, type AgentContext } from '../../runtime/agent/agent.js';
import { OrderCommand } from '../execution/events.js';
import type { PriceTickEvent } from '../market/events.js';
import { PriceTick } from '../market/events.js';
import type { PositionChangedEvent } from '../position/events.js';
import { PositionChanged } from '../position/events.js';
import type { RiskSettings } from './config.js';
import { RiskAlert } from './events.js';
import {
  accountView,
  alertOnChange,
  describeLevel,
  finiteValue,
  levelKey,
  pushCapped,
  thresholdFor,
  type RiskMetric,
  type RiskPosition,
} from './risk-assessment.js';
import {
  classify,
  leverageRatio,
  liquidationDistance,
  maxPairwiseCorrelation,
  returnsFromPrices,
  type RiskLevel,
} from './risk-math.js';

export interface RiskState {
  readonly positions: Readonly<Record<string, RiskPosition>>;
  readonly marks: Readonly<Record<string, number>>;
  /** Last correlationWindow + 1 prices per token. */
  readonly prices: Readonly<Record<string, readonly number[]>>;
  /** Non-ok levels by levelKey; an absent key is 'ok'. */
  readonly levels: Readonly<Record<string, RiskLevel>>;
  /** Tokens force-closed in their current critical episode. */
  readonly forceClosed: Readonly<Record<string, true>>;
  readonly ticks: number;
}

export const CORRELATION_EVERY_TICKS = 20;

export function emptyRiskState(): RiskState {
  return { positions: {}, marks: {}, prices: {}, levels: {}, forceClosed: {}, ticks: 0 };
}

export function riskAgent(settings: RiskSettings, initialBalance: number) {
  return defineAgent({
    name: 'risk',
    consumes: [PriceTick, PositionChanged],
    key: 'singleton',
    initialState: emptyRiskState,
    handle: (state, event, ctx) =>
      event.type === 'price.tick' ? onTick(state, event, ctx, settings, initialBalance) : onPositionChanged(state, event),
  });
}

function onPositionChanged(state: RiskState, event: PositionChangedEvent): RiskState {
  const token = event.token;
  if (token === undefined) return state;
  const { size, avgEntry, realizedPnl, fees, markPrice } = event.data;
  const forceClosed = { ...state.forceClosed };
  if (size === 0) delete forceClosed[token];
  return {
    ...state,
    positions: { ...state.positions, [token]: { size, avgEntry, realizedPnl, fees } },
    marks: state.marks[token] === undefined && markPrice > 0 ? { ...state.marks, [token]: markPrice } : state.marks,
    forceClosed,
  };
}

function onTick(state: RiskState, event: PriceTickEvent, ctx: AgentContext, settings: RiskSettings, initialBalance: number): RiskState {
  const token = event.token;
  if (token === undefined) return state;
  const price = event.data.price;
  const ticks = state.ticks + 1;
  const marks = { ...state.marks, [token]: price };
  const prices = { ...state.prices, [token]: pushCapped(state.prices[token] ?? [], price, settings.correlationWindow + 1) };

  const view = accountView(initialBalance, state.positions, marks);
  const position = state.positions[token];
  const open = position !== undefined && position.size !== 0;
  const liqKey = levelKey('liquidation-distance', token);
  const correlationDue = ticks % CORRELATION_EVERY_TICKS === 0;
  // Nothing open and nothing left to stand down: the common case when flat stays cheap.
  if (view.openTokens.length === 0 && Object.keys(state.levels).length === 0) {
    return { ...state, marks, prices, ticks };
  }

  const levels: Record<string, RiskLevel> = { ...state.levels };
  const leverage = leverageRatio(view.grossNotional, view.equity);
  const leverageLevel = view.openTokens.length === 0 ? 'ok' : classify(leverage, settings.leverageWarning, settings.leverageCritical, 'above');
  setLevel(levels, ctx, 'leverage', levelKey('leverage'), 'the account', view.openTokens.length === 0 ? 0 : leverage, leverageLevel,
    settings.leverageWarning, settings.leverageCritical);

  let distance = Infinity;
  let liqLevel: RiskLevel = 'ok';
  if (open) {
    distance = liquidationDistance({
      size: position.size,
      markPrice: price,
      equity: view.equity,
      grossNotional: view.grossNotional,
      maintenanceMarginRate: settings.maintenanceMarginRate,
    });
    liqLevel = classify(distance, settings.liquidationDistanceWarning, settings.liquidationDistanceCritical, 'below');
  }
  setLevel(levels, ctx, 'liquidation-distance', liqKey, token, distance, liqLevel, settings.liquidationDistanceWarning, settings.liquidationDistanceCritical);

  if (correlationDue) {
    let value = 0;
    let subject = 'open positions';
    if (view.openTokens.length >= 2) {
      const returns: Record<string, number[]> = {};
      for (const t of view.openTokens) returns[t] = returnsFromPrices(prices[t] ?? []);
      const best = maxPairwiseCorrelation(returns);
      if (best) {
        value = best.value;
        subject = `${best.a}/${best.b}`;
      }
    }
    // Correlation has a warning threshold only: it concentrates risk but is no reason to liquidate.
    const level = classify(value, settings.correlationWarning, Infinity, 'above');
    setLevel(levels, ctx, 'correlation', levelKey('correlation'), subject, value, level, settings.correlationWarning, Infinity);
  }

  const critical = leverageLevel === 'critical' || liqLevel === 'critical';
  let forceClosed = state.forceClosed;
  if (!open || !critical) {
    if (forceClosed[token]) {
      const { [token]: _cleared, ...rest } = forceClosed;
      forceClosed = rest;
    }
  } else if (!forceClosed[token]) {
    forceClosed = { ...forceClosed, [token]: true };
    const reason =
      liqLevel === 'critical'
        ? `liquidation distance ${distance.toFixed(4)} <= ${settings.liquidationDistanceCritical}`
        : `leverage ${Number.isFinite(leverage) ? leverage.toFixed(2) : 'unbounded'} >= ${settings.leverageCritical}`;
    ctx.emit(OrderCommand, { action: 'force-close', reason, price }, { token });
  }

  return { ...state, marks, prices, levels, forceClosed, ticks };
}

/** Records a (metric, key) level in `levels` (a handler-local copy) and alerts when it changed. */
function setLevel(
  levels: Record<string, RiskLevel>,
  ctx: AgentContext,
  metric: RiskMetric,
  key: string,
  subject: string,
  value: number,
  level: RiskLevel,
  warning: number,
  critical: number,
): void {
  const alert = alertOnChange(levels[key], level);
  if (level === 'ok') delete levels[key];
  else levels[key] = level;
  if (alert === undefined) return;
  const threshold = thresholdFor(level, warning, critical);
  ctx.emit(RiskAlert, {
    level: alert,
    metric,
    value: finiteValue(value),
    threshold,
    message: describeLevel(metric, subject, level, value, threshold),
  });
}
