// Supervision declared as data, in the shape Erlang/OTP made standard: supervisor flags
// { strategy, intensity, period } and, per child, { id, start, restart, shutdown, type, backoff }.
import type { NactRef } from '../cells/nact-host.js';

/**
 * How a supervisor restarts: the failed child alone, all its children, or the failed one and those
 * started after it. `simple_one_for_one` is one_for_one for a supervisor whose children are all
 * instances of one kind, started on demand (a keyed agent's actors).
 */
export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one' | 'simple_one_for_one';
/** permanent: always restarted; transient: restarted after a crash only; temporary: never. */
export type RestartType = 'permanent' | 'transient' | 'temporary';

export interface SupervisorFlags {
  readonly strategy: Strategy;
  /** At most `intensity` restarts within `period` ms; one more and the supervisor gives up. */
  readonly intensity: number;
  readonly period: number;
}

export interface BackoffSpec {
  readonly min: number;
  readonly max: number;
  /** Fraction of the delay randomised either way, 0..1. */
  readonly jitter: number;
}

/** What a supervisor knows about the failure of a child, for the restart report. */
export interface FailureDetail {
  readonly messageId?: string;
  readonly attempt?: number;
}

/** Handed to a child when it starts: how it reports back to its supervisor. */
export interface ChildLink {
  readonly childId: string;
  /** The nact actor of the supervisor; children spawn their nact actors under it. */
  readonly parentRef: NactRef;
  failed(error: Error, detail?: FailureDetail): void;
  /** A normal exit (no crash): transient and temporary children are not restarted. */
  exited(): void;
}

export interface RunningChild {
  /** Graceful stop; the supervisor waits at most the child's `shutdown` ms, then calls kill. */
  stop(reason: string): Promise<void>;
  kill?(): void;
}

/**
 * How long a graceful stop may take before the child is killed (ms), or `infinity` for a
 * supervisor: it waits for its subtree, whose workers each have their own limit (OTP's advice).
 */
export type Shutdown = number | 'infinity';

export interface ChildSpec {
  readonly id: string;
  readonly start: (link: ChildLink) => Promise<RunningChild> | RunningChild;
  readonly restart: RestartType;
  readonly shutdown: Shutdown;
  readonly type: 'worker' | 'supervisor';
  readonly backoff?: BackoffSpec;
}

export interface WorkerOptions {
  readonly restart?: RestartType;
  readonly backoff?: BackoffSpec;
}

/** The child spec of a worker: permanent unless told otherwise. */
export function workerSpec(id: string, shutdownMs: number, start: ChildSpec['start'], options: WorkerOptions = {}): ChildSpec {
  return { id, start, restart: options.restart ?? 'permanent', shutdown: shutdownMs, type: 'worker', ...(options.backoff ? { backoff: options.backoff } : {}) };
}

export class EscalationError extends Error {
  override readonly name = 'EscalationError';
  constructor(
    readonly supervisor: string,
    readonly restarts: number,
    readonly period: number,
    override readonly cause: Error,
  ) {
    super(`supervisor ${supervisor} exceeded ${restarts} restarts in ${period} ms; last failure: ${cause.message}`);
  }
}
