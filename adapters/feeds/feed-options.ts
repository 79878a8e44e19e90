// What building a feed takes: its kind, the file a csv or jsonl feed reads, how the synthetic feed
// generates, and the market-data rules a file feed is held to. Plain data: the feed settings of
// config/schema.ts are one such value, handed in as they are by the composition root, so the
// compiler keeps the two in step.
import type { MarketDataType } from '../../actors/market/events.js';

export type FeedKind = 'synthetic' | 'csv' | 'jsonl';

export interface FeedOptions {
  readonly kind: FeedKind;
  /** File to read; required for the csv and jsonl kinds. */
  readonly path?: string | undefined;
  /** Tokens the deployment trades: the synthetic feed's, and the only ones a file feed takes. */
  readonly tokens: readonly string[];
  readonly tickIntervalMs: number;
  /** Event time of the first synthetic tick, ms since epoch. */
  readonly startTime: number;
  readonly liquidationProbability: number;
  readonly sentimentProbability: number;
  /** Event types a csv or jsonl feed may carry; any other line is dead-lettered. */
  readonly allowedTypes: readonly MarketDataType[];
  /** Largest move of a price from the token's last accepted one, as a fraction (0.5 = 50 %). */
  readonly maxPriceJump: number;
}
