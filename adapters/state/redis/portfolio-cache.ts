// The PortfolioCache port on a RedisCache: one key per token position
// (`portfolio:position:<token>`), the cash balance and free-form portfolio metrics. A cache only:
// the positions are rebuilt from the event store, and checked against it by
// actors/portfolio/consistency-check.ts.
import { z } from 'zod';
import type { CachedPositions, PortfolioCache } from '../../../runtime/ports/portfolio-cache.js';
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

/** A position as this cache reads it back: the fields of the position actors' state. */
export type CachedPosition = z.infer<typeof PositionSchema>;

export class RedisPortfolioCache implements PortfolioCache<CachedPosition> {
  constructor(private readonly cache: RedisCache) {}

  setPosition(token: string, position: CachedPosition): Promise<void> {
    return this.cache.set(POSITION + token, position);
  }

  deletePositions(...tokens: string[]): Promise<number> {
    return this.cache.delete(...tokens.map((t) => POSITION + t));
  }

  async positions(): Promise<Map<string, CachedPosition>> {
    return (await this.readPositions()).positions;
  }

  /** Every cached position, separating the entries that do not parse as a position. */
  async readPositions(): Promise<CachedPositions<CachedPosition>> {
    const tokens: string[] = [];
    for await (const key of this.cache.scan(`${POSITION}*`)) tokens.push(key.slice(POSITION.length));
    const values = await this.cache.mget<unknown>(tokens.map((t) => POSITION + t));
    const positions = new Map<string, CachedPosition>();
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
}
