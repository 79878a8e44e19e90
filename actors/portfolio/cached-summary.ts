// The portfolio summary of what a PortfolioCache holds, for readers of the cache.
import type { PortfolioCache } from '../../runtime/ports/portfolio-cache.js';
import type { PositionState } from '../position/position-math.js';
import { summarize, type PortfolioSummary } from './portfolio-math.js';

/** Aggregates of the cached positions; a missing balance counts as 0 cash. */
export async function cachedSummary(cache: PortfolioCache<PositionState>): Promise<PortfolioSummary> {
  const [cash, positions] = await Promise.all([cache.balance(), cache.positions()]);
  return summarize(cash ?? 0, positions);
}
