// The settings that decide what a run's feed produces: a continued run must have the same
// (app/deployment.ts refuses a start whose fingerprint differs from the stored run's).
import { resolve } from 'node:path';
import type { Config } from '../config/schema.js';

export function runFingerprint(config: Config): Record<string, unknown> {
  const f = config.feed;
  return {
    seed: config.seed,
    feed: f.kind,
    ...(f.path !== undefined ? { feedPath: resolve(f.path) } : {}),
    tokens: f.tokens,
    ...(f.kind === 'synthetic'
      ? { tickIntervalMs: f.tickIntervalMs, startTime: f.startTime, liquidationProbability: f.liquidationProbability, sentimentProbability: f.sentimentProbability }
      : {}),
    eventLog: config.eventLog.kind,
  };
}
