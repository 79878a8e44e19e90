// The StateStore port: the latest snapshot per actor (Redis in production, memory embedded).
export interface Snapshot<S = unknown> {
  readonly state: S;
  /** Last applied offset per source partition (`topic/partition`), for skipping redeliveries. */
  readonly applied: Readonly<Record<string, number>>;
  readonly lastEventId?: string;
  readonly version: number;
  /** Wall time the snapshot was taken. */
  readonly at: number;
}

export interface StateStore {
  load(actorId: string): Promise<Snapshot | undefined>;
  save(actorId: string, snapshot: Snapshot): Promise<void>;
  delete(actorId: string): Promise<void>;
}
