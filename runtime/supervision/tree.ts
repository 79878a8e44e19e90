// The supervision tree as a value: supervisors with OTP flags, and in their child lists the places
// where the runtime puts what it runs (the agents' actors, the store writer, the intakes, the
// services it is given). The runtime checks the tree against its agents and builds it at start;
// `describeTree` shows it before anything starts.
import type { RestartType, Shutdown, SupervisorFlags } from '../ports/supervision.js';

/** Children the runtime provides, placed where the tree names them. */
export type RuntimeSlot =
  /** One simple_one_for_one supervisor per keyed agent no `keyed-actors` slot names, hosting its actors on demand. */
  | { readonly kind: 'agent-families' }
  /** In a simple_one_for_one supervisor: the actors of these keyed agents, on demand. */
  | { readonly kind: 'keyed-actors'; readonly agents: readonly string[] }
  /** The singleton agents' actors, started on demand on the pod that owns their intake. */
  | { readonly kind: 'singleton-actors' }
  /** The store writer, when the runtime has an event store. */
  | { readonly kind: 'store-writer' }
  /** The consumers that feed the actors: keyed agents' and singletons'. */
  | { readonly kind: 'intakes' }
  /** The extra children the runtime was given (HTTP server, venue fills, maintenance jobs). */
  | { readonly kind: 'services' };

export interface SupervisorNode {
  readonly type: 'supervisor';
  readonly id: string;
  readonly flags: SupervisorFlags;
  readonly restart: 'permanent';
  readonly shutdown: 'infinity';
  readonly children: readonly TreeChild[];
}

export type TreeChild = SupervisorNode | RuntimeSlot;
export type TreeSpec = SupervisorNode;

export function supervisor(id: string, flags: SupervisorFlags, children: readonly TreeChild[]): SupervisorNode {
  return { type: 'supervisor', id, flags, restart: 'permanent', shutdown: 'infinity', children };
}

export const agentFamilies = (): RuntimeSlot => ({ kind: 'agent-families' });
export const keyedActors = (...agents: string[]): RuntimeSlot => ({ kind: 'keyed-actors', agents });
export const singletonActors = (): RuntimeSlot => ({ kind: 'singleton-actors' });
export const storeWriterSlot = (): RuntimeSlot => ({ kind: 'store-writer' });
export const intakeSlot = (): RuntimeSlot => ({ kind: 'intakes' });
export const serviceSlot = (): RuntimeSlot => ({ kind: 'services' });

/** The tree a runtime runs when it is given none: every agent under `agents`, the rest under `infra`. */
export function standardTree(flags: SupervisorFlags): TreeSpec {
  return supervisor('root', flags, [
    supervisor('agents', flags, [agentFamilies(), singletonActors()]),
    supervisor('infra', flags, [storeWriterSlot(), intakeSlot(), serviceSlot()]),
  ]);
}

/** The tree as it will run, before anything starts: supervisors, workers, and the actors started on demand. */
export type TreeDescription = PlannedSupervisorDescription;

export interface PlannedSupervisorDescription extends SupervisorFlags {
  readonly id: string;
  readonly type: 'supervisor';
  readonly restart: RestartType;
  readonly shutdown: Shutdown;
  readonly children: readonly (PlannedSupervisorDescription | PlannedWorkerDescription)[];
}

export interface PlannedWorkerDescription {
  readonly id: string;
  readonly type: 'worker';
  readonly restart: RestartType;
  readonly shutdown: Shutdown;
  /** Started on demand, not at start. */
  readonly onDemand?: true;
  /** One per key (`<agent>:<key>`): a keyed agent's actors; else the one actor of a singleton. */
  readonly perKey?: true;
}

export class TreeError extends Error {
  override readonly name = 'TreeError';
}
