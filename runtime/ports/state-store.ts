// The StateStore port: the latest snapshot per actor (Redis in production, memory embedded).
export interface Snapshot<S = unknown> {
  readonly state: S;
  /** Last applied offset per source partition (`topic/partition`), for skipping redeliveries. */
  readonly applied: Readonly<Record<string, number>>;
  /** Ids of recently applied events that other actors emitted (dedupe of re-emits). */
  readonly recentIds?: readonly string[];
  readonly lastEventId?: string;
  readonly version: number;
  /** The log lineage (id, epoch) its offsets refer to; absent in snapshots of older versions. */
  readonly log?: { readonly id: string; readonly epoch: string };
  /** Wall time the snapshot was taken. */
  readonly at: number;
}

export interface StateStore {
  load(actorId: string): Promise<Snapshot | undefined>;
  save(actorId: string, snapshot: Snapshot): Promise<void>;
  delete(actorId: string): Promise<void>;
  /** How many snapshots are stored (a start-up check: does this store hold an earlier run?). */
  count(): Promise<number>;
  /**
   * Per partition, the lowest offset any snapshot claims as applied: a restored log delivers again
   * from there, so actors catch up in log order rather than by a replay merged by event time.
   */
  appliedFloor(): Promise<Map<string, number>>;
  /** Deletes every snapshot of this deployment (`--fresh`); resolves how many were deleted. */
  clear(): Promise<number>;
}

/**
 * Thrown by a StateStore that cannot be reached (as opposed to "no snapshot"): the runtime falls
 * back to a full replay from the event store and reports itself degraded.
 */
export class StateStoreUnavailableError extends Error {
  override readonly name = 'StateStoreUnavailableError';
}

/** A snapshot that exists but cannot be read (corrupt JSON, wrong shape): full replay instead. */
export class CorruptSnapshotError extends Error {
  override readonly name = 'CorruptSnapshotError';
  constructor(
    readonly actorId: string,
    detail: string,
  ) {
    super(`snapshot of ${actorId} is unreadable: ${detail}`);
  }
}

/** Folds snapshots' applied offsets into the lowest per partition. */
export function lowestApplied(snapshots: Iterable<Pick<Snapshot, 'applied'>>): Map<string, number> {
  const floor = new Map<string, number>();
  for (const s of snapshots) {
    for (const [key, offset] of Object.entries(s.applied)) floor.set(key, Math.min(floor.get(key) ?? Number.POSITIVE_INFINITY, offset));
  }
  return floor;
}
