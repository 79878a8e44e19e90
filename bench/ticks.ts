// The price ticks every throughput bench feeds: the synthetic feed on ten tokens, one tick a second
// each, nothing but ticks (no liquidations or sentiment), repeatable per seed.
import { SyntheticFeed } from '../adapters/feeds/synthetic.js';
import type { Envelope } from '../runtime/events/envelope.js';

export const BENCH_TOKENS = ['BTC', 'ETH', 'SOL', 'ARB', 'DOGE', 'AVAX', 'LINK', 'OP', 'SUI', 'APT'];

export function benchTicks(count: number, seed: number): Envelope[] {
  const feed = new SyntheticFeed({
    seed,
    tokens: BENCH_TOKENS,
    tickIntervalMs: 1000,
    startTime: Date.UTC(2026, 0, 1),
    liquidationProbability: 0,
    sentimentProbability: 0,
    maxEvents: count,
  });
  return [...feed.events()];
}
