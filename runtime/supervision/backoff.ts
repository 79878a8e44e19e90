// Exponential backoff with jitter between restarts of the same child.
import type { Random } from '../ports/random.js';
import type { BackoffSpec } from '../ports/supervision.js';

/** Delay before restart number `attempt` (1-based). */
export function backoffDelay(spec: BackoffSpec, attempt: number, random: Random): number {
  const base = Math.min(spec.max, spec.min * 2 ** Math.max(0, attempt - 1));
  const spread = base * spec.jitter * (2 * random.next() - 1);
  return Math.max(0, Math.min(spec.max, Math.round(base + spread)));
}
