// Keeps the portfolio cache current from the position actors' state changes: each position as
// published, the cash balance (initial balance + realized PnL - fees) and the portfolio summary.
import { PositionChanged, type PositionChangedEvent } from '../../../actors/position/events.js';
import { summarize } from '../../../actors/portfolio/portfolio-math.js';
import type { PositionState } from '../../../actors/position/position-math.js';
import type { Envelope } from '../../../runtime/events/envelope.js';
import type { PortfolioCache } from './portfolio-cache.js';

export function portfolioProjection(cache: PortfolioCache, initialBalance: number): (events: readonly Envelope[]) => Promise<void> {
  const positions = new Map<string, PositionState>();
  let loaded = false;
  return async (events) => {
    if (!loaded) {
      // After a process restart the balance must still cover every token, not only those changed since.
      for (const [token, position] of await cache.positions()) positions.set(token, position);
      loaded = true;
    }
    const changed = new Set<string>();
    for (const e of events) {
      if (e.type !== PositionChanged.type || e.token === undefined) continue;
      const { size, avgEntry, realizedPnl, fees, markPrice } = (e as PositionChangedEvent).data;
      positions.set(e.token, { size, avgEntry, realizedPnl, fees, markPrice });
      changed.add(e.token);
    }
    if (changed.size === 0) return;
    for (const token of changed) await cache.setPosition(token, positions.get(token)!);
    let cash = initialBalance;
    for (const p of positions.values()) cash += p.realizedPnl - p.fees;
    await cache.setBalance(cash);
    const summary = summarize(cash, positions);
    await cache.setMetrics({ ...summary });
  };
}
