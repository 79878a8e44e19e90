// The portfolio cache of DESIGN.md on a RedisCache: one key per token position
// (`portfolio:position:<token>`), the cash balance and free-form portfolio metrics. A cache only:
// the positions are rebuilt from the event store, and checked against it by consistency-check.ts.
import { z } from 'zod';
import { summarize, type PortfolioSummary } from '../../../actors/portfolio/portfolio-math.js';
import type { PositionState } from '../../../actors/position/position-math.js';
import type { RedisCache } from './cache.js';

const POSITION = 'portfolio:position:';
const BALANCE = 'portfolio:balance';
const METRICS = 'portfolio:metrics';

const PositionSchema = z.object({
  size: z.number(),
  avgEntry: z.number(),
  realizedPnl: z.number(),
  fees: z.number(),
  markPrice: z.number(),
});

export interface CachedPositions {
  readonly positions: Map<string, PositionState>;
  /** Tokens whose cached entry exists but is not a readable position. */
  readonly unreadable: string[];
}

export class PortfolioCache {
  constructor(private readonly cache: RedisCache) {}

  setPosition(token: string, position: PositionState): Promise<void> {
    return this.cache.set(POSITION + token, position);
  }

  deletePositions(...tokens: string[]): Promise<number> {
    return this.cache.delete(...tokens.map((t) => POSITION + t));
  }

  async positions(): Promise<Map<string, PositionState>> {
    return (await this.readPositions()).positions;
  }

  /** Every cached position, separating the entries that do not parse as a position. */
  async readPositions(): Promise<CachedPositions> {
    const tokens: string[] = [];
    for await (const key of this.cache.scan(`${POSITION}*`)) tokens.push(key.slice(POSITION.length));
    const values = await this.cache.mget<unknown>(tokens.map((t) => POSITION + t));
    const positions = new Map<string, PositionState>();
    const unreadable: string[] = [];
    tokens.forEach((token, i) => {
      const value = values[i];
      if (value === undefined) {
        // Deleted between SCAN and MGET, or not JSON (the cache reports that as a miss).
        unreadable.push(token);
        return;
      }
      const parsed = PositionSchema.safeParse(value);
      if (parsed.success) positions.set(token, parsed.data);
      else unreadable.push(token);
    });
    return { positions, unreadable };
  }

  async setBalance(cash: number): Promise<void> {
    if (!Number.isFinite(cash)) throw new RangeError(`balance must be finite, got ${cash}`);
    await this.cache.set(BALANCE, cash);
  }

  async balance(): Promise<number | undefined> {
    const value = await this.cache.get<unknown>(BALANCE);
    return typeof value === 'number' ? value : undefined;
  }

  setMetrics(metrics: Readonly<Record<string, number>>): Promise<void> {
    return this.cache.set(METRICS, metrics);
  }

  async metrics(): Promise<Record<string, number> | undefined> {
    const parsed = z.record(z.string(), z.number()).safeParse(await this.cache.get<unknown>(METRICS));
    return parsed.success ? parsed.data : undefined;
  }

  /** Aggregates of the cached positions; a missing balance counts as 0 cash. */
  async summary(): Promise<PortfolioSummary> {
    const [cash, positions] = await Promise.all([this.balance(), this.positions()]);
    return summarize(cash ?? 0, positions);
  }
}
