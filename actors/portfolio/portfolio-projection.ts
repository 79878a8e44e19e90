// The portfolio as the position actors publish it: each position.changed replaces its token's
// position, the cash balance is the initial balance plus every realized PnL less every fee, and the
// summary aggregates both. Pure: the portfolio cache worker (app/workers/portfolio-cache.ts) writes it.
import { PositionChanged, type PositionChangedEvent } from '../position/events.js';
import type { PositionState } from '../position/position-math.js';
import type { Envelope } from '../../runtime/events/envelope.js';
import { summarize, type PortfolioSummary } from './portfolio-math.js';

export interface PortfolioUpdate {
  /** Every position known, those the batch changed replaced. */
  readonly positions: ReadonlyMap<string, PositionState>;
  /** The tokens whose position the batch changed, in the order first changed. */
  readonly changed: readonly string[];
  readonly cash: number;
  readonly summary: PortfolioSummary;
}

/** The portfolio after a batch of events, or undefined when the batch changed no position. */
export function projectPortfolio(known: ReadonlyMap<string, PositionState>, events: readonly Envelope[], initialBalance: number): PortfolioUpdate | undefined {
  const positions = new Map(known);
  const changed = new Set<string>();
  for (const e of events) {
    if (e.type !== PositionChanged.type || e.token === undefined) continue;
    const { size, avgEntry, realizedPnl, fees, markPrice } = (e as PositionChangedEvent).data;
    positions.set(e.token, { size, avgEntry, realizedPnl, fees, markPrice });
    changed.add(e.token);
  }
  if (changed.size === 0) return undefined;
  let cash = initialBalance;
  for (const p of positions.values()) cash += p.realizedPnl - p.fees;
  return { positions, changed: [...changed], cash, summary: summarize(cash, positions) };
}
