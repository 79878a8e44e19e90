// The DeploymentStore port: what a deployment's durable stores hold, as one record (the identity
// of the log history they continue and the settings of the run that wrote them), so a start can
// tell "continue this run" from "these stores belong to something else", and `--fresh` can erase.

export interface StoredRun {
  /** The log lineage id the stored offsets and snapshots refer to. */
  readonly logId: string;
  /** The settings that decide what the feed produces (seed, feed kind, file, tokens, ...). */
  readonly fingerprint: Readonly<Record<string, unknown>>;
  /** Wall time the run was first started. */
  readonly startedAt: number;
}

export interface DeploymentStore {
  read(): Promise<StoredRun | undefined>;
  write(run: StoredRun): Promise<void>;
  /** Erases everything this deployment stored: events, offsets, orders, audit records, the run. */
  erase(): Promise<void>;
}
