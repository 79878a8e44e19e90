// Pure portfolio aggregates over per-token positions. Convention: `cash` is the account's ledger
// balance, which already includes every realized PnL and has every fee deducted (as a venue reports
// it), so equity = cash + total unrealized PnL; realized PnL and fees are reported, never re-added.
import { notional, unrealizedPnl, type PositionState } from '../position/position-math.js';

export type Positions = ReadonlyMap<string, PositionState> | Readonly<Record<string, PositionState>>;

export interface PortfolioSummary {
  readonly cash: number;
  readonly equity: number;
  /** Sum of |size| * mark over all tokens. */
  readonly grossExposure: number;
  /** Sum of size * mark: long minus short notional. */
  readonly netExposure: number;
  readonly unrealizedPnl: number;
  readonly realizedPnl: number;
  readonly fees: number;
}

function values(positions: Positions): PositionState[] {
  return positions instanceof Map ? [...positions.values()] : Object.values(positions);
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

export function grossExposure(positions: Positions): number {
  return sum(values(positions).map(notional));
}

export function netExposure(positions: Positions): number {
  return sum(values(positions).map((p) => p.size * p.markPrice));
}

export function totalUnrealizedPnl(positions: Positions): number {
  return sum(values(positions).map(unrealizedPnl));
}

export function totalRealizedPnl(positions: Positions): number {
  return sum(values(positions).map((p) => p.realizedPnl));
}

export function totalFees(positions: Positions): number {
  return sum(values(positions).map((p) => p.fees));
}

export function equity(cash: number, positions: Positions): number {
  return cash + totalUnrealizedPnl(positions);
}

export function summarize(cash: number, positions: Positions): PortfolioSummary {
  return {
    cash,
    equity: equity(cash, positions),
    grossExposure: grossExposure(positions),
    netExposure: netExposure(positions),
    unrealizedPnl: totalUnrealizedPnl(positions),
    realizedPnl: totalRealizedPnl(positions),
    fees: totalFees(positions),
  };
}
