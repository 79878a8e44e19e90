// Builds the feed the options ask for (synthetic, csv or jsonl); the composition root's
// only way into adapters/feeds.
import type { Feed } from '../../runtime/ports/feed.js';
import type { FeedOptions } from './feed-options.js';
import { SyntheticFeed } from './synthetic.js';
import { CsvFeed } from './csv.js';
import { JsonlFeed } from './jsonl.js';
import type { FeedErrorHandler, FeedWarningHandler } from '../shared/line-error.js';

export { SyntheticFeed, type SyntheticFeedOptions } from './synthetic.js';
export { CsvFeed, type CsvFeedOptions } from './csv.js';
export { JsonlFeed, type JsonlFeedOptions } from './jsonl.js';
export { FeedLineError, type FeedErrorHandler, type FeedRejection, type FeedWarningHandler } from '../shared/line-error.js';
export { feedFileProblem } from './feed-file.js';
export type { FeedKind, FeedOptions } from './feed-options.js';

/**
 * File feeds get the configured market-data rules (types, tokens, price jump). The synthetic feed
 * is generated here, not read from outside, and always within them.
 */
export function createFeed(feed: FeedOptions, seed: number, maxEvents?: number, onError?: FeedErrorHandler, onWarning?: FeedWarningHandler): Feed {
  const limits = {
    ...(maxEvents !== undefined ? { maxEvents } : {}),
    ...(onError ? { onError } : {}),
    ...(onWarning ? { onWarning } : {}),
    rules: { allowedTypes: feed.allowedTypes, tokens: feed.tokens, maxPriceJump: feed.maxPriceJump },
  };
  switch (feed.kind) {
    case 'synthetic':
      return new SyntheticFeed({
        seed,
        tokens: feed.tokens,
        tickIntervalMs: feed.tickIntervalMs,
        startTime: feed.startTime,
        liquidationProbability: feed.liquidationProbability,
        sentimentProbability: feed.sentimentProbability,
        ...(maxEvents !== undefined ? { maxEvents } : {}),
      });
    case 'csv':
      // A single-token CSV without a token column takes the first configured token.
      return new CsvFeed({ path: requirePath(feed), token: feed.tokens[0]!, ...limits });
    case 'jsonl':
      return new JsonlFeed({ path: requirePath(feed), ...limits });
  }
}

function requirePath(feed: FeedOptions): string {
  if (!feed.path) throw new Error(`feed.path is required when feed.kind is "${feed.kind}"`);
  return feed.path;
}
