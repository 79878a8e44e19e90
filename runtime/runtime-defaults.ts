// Every default of the runtime's settings, written once: the runtime falls back on these, and the
// configuration schema takes its defaults from here.
export interface SupervisionSettings {
  /** Restart intensity: at most this many restarts within `withinMs`, then the supervisor gives up. */
  readonly maxRestarts: number;
  readonly withinMs: number;
  readonly backoffMinMs: number;
  readonly backoffMaxMs: number;
  readonly jitter: number;
  /** Crashes one event may cause before it is dead-lettered. */
  readonly maxMessageRetries: number;
  /** How long a worker's graceful stop may take before it is killed. */
  readonly shutdownMs: number;
}

export const defaultSupervision: SupervisionSettings = {
  maxRestarts: 10,
  withinMs: 60_000,
  backoffMinMs: 10,
  backoffMaxMs: 2000,
  jitter: 0.2,
  maxMessageRetries: 3,
  shutdownMs: 5000,
};

export const runtimeDefaults = {
  /** An actor snapshots after this many applied events. */
  snapshotEvery: 100,
  /** Records per batch a consumer hands over. */
  maxBatchSize: 256,
  /** Batches per partition handed over and not yet committed. */
  maxInFlightBatches: 8,
  groupId: 'regent',
  /** How long an in-process restart waits for the store writer to catch up (ms). */
  storeWaitMs: 5000,
  /** How often idle keyed actors are checked for passivation (ms). */
  passivationSweepMs: 10_000,
} as const;
