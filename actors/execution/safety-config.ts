// Execution settings, the safety systems around the venue and the stores: the manual review queue,
// the order rate limit, the circuit breakers, and the protections that lock trading for a while.
import { z } from 'zod';
import { nonNegInt, posInt } from '../../runtime/kit/setting-numbers.js';

const breaker = z.strictObject({
  failureThreshold: posInt().default(3),
  windowMs: posInt().default(60_000),
  openMs: posInt().default(30_000),
});

export const safetySystemsShape = {
  review: z.strictObject({ ttlMs: posInt().default(15 * 60_000), maxItems: posInt().default(100) }).prefault({}),
  /** Per-exchange order rate limit. */
  orderRateLimit: z.strictObject({ maxOrders: posInt().default(20), windowMs: posInt().default(1000) }).prefault({}),
  exchangeBreaker: breaker.prefault({}),
  /** The order journal and audit log: failures in a window stop new orders until a probe succeeds. */
  storeBreaker: breaker.prefault({}),
  protections: z
    .strictObject({
      cooldownMs: nonNegInt().optional(),
      stopLossGuard: z
        .strictObject({ maxStopOuts: posInt(), windowMs: posInt(), lockMs: posInt(), scope: z.enum(['token', 'global']).default('token') })
        .optional(),
      maxDrawdown: z.strictObject({ maxDrawdownPct: z.number().positive().max(100), lookbackMs: posInt(), lockMs: posInt() }).optional(),
    })
    .prefault({
      cooldownMs: 60_000,
      stopLossGuard: { maxStopOuts: 3, windowMs: 3_600_000, lockMs: 3_600_000, scope: 'token' },
      maxDrawdown: { maxDrawdownPct: 15, lookbackMs: 86_400_000, lockMs: 3_600_000 },
    }),
};
