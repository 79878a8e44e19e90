// Compares the cached positions with the truth (the caller's fold of the event store, so this
// module stays free of PostgreSQL) and optionally repairs the cache to match it. A point-in-time
// check: run it while the position writers are quiet, or a repair may overwrite a newer entry.
import type { CachedPositions, PortfolioCache } from '../../runtime/ports/portfolio-cache.js';
import type { PositionState } from '../position/position-math.js';

export interface ConsistencyReport {
  /** Distinct tokens compared (cached or true). */
  readonly checked: number;
  /** In the truth, not in the cache. */
  readonly missing: string[];
  /** In both but different, or cached unreadably. */
  readonly stale: string[];
  /** In the cache, not in the truth. */
  readonly extra: string[];
  /** Cache entries rewritten or deleted. */
  readonly repaired: number;
}

export interface ConsistencyCheck {
  readonly cache: PortfolioCache<PositionState>;
  readonly truth: () => Promise<Map<string, PositionState>>;
  readonly repair: boolean;
}

export async function checkAndRepair({ cache, truth, repair }: ConsistencyCheck): Promise<ConsistencyReport> {
  const [expected, cached] = await Promise.all([truth(), cache.readPositions()]);
  const { checked, missing, stale, extra } = comparePositions(expected, cached);
  let repaired = 0;
  if (repair) {
    for (const token of [...missing, ...stale]) {
      await cache.setPosition(token, expected.get(token)!);
      repaired++;
    }
    if (extra.length > 0) {
      await cache.deletePositions(...extra);
      repaired += extra.length;
    }
  }
  return { checked, missing: missing.sort(), stale: stale.sort(), extra: extra.sort(), repaired };
}

/** How the cached positions differ from the expected ones (the report without repairs, unsorted). */
export function comparePositions(expected: ReadonlyMap<string, PositionState>, cached: CachedPositions<PositionState>): Omit<ConsistencyReport, 'repaired'> {
  const unreadable = new Set(cached.unreadable);
  const missing: string[] = [];
  const stale: string[] = [];
  for (const [token, position] of expected) {
    const have = cached.positions.get(token);
    if (have) {
      if (!samePosition(have, position)) stale.push(token);
    } else if (unreadable.has(token)) stale.push(token);
    else missing.push(token);
  }
  const extra = [...cached.positions.keys(), ...unreadable].filter((token) => !expected.has(token));
  const checked = new Set([...expected.keys(), ...cached.positions.keys(), ...unreadable]).size;
  return { checked, missing, stale, extra };
}

// Exact comparison is right: JSON round-trips a finite double unchanged.
function samePosition(a: PositionState, b: PositionState): boolean {
  return a.size === b.size && a.avgEntry === b.avgEntry && a.realizedPnl === b.realizedPnl && a.fees === b.fees && a.markPrice === b.markPrice;
}
