// The agent API: a new agent is one definition naming the events it consumes, how an event picks
// its actor (a key per token, or one singleton), its initial state and a handler
// `(state, event, ctx) => state`. Emits go through `ctx.emit`, published only when the handler returns.
import type { Logger } from 'pino';
import type { Envelope } from '../events/envelope.js';
import type { EnvelopeOf, EventType } from '../events/event-types.js';
import type { BackoffSpec, RestartType } from '../ports/supervision.js';

export interface EmitOptions {
  /** Partition key; defaults to the causing event's token. */
  readonly token?: string;
  /**
   * The outside fact the event records (a venue's fill): its name and its time. Every source of the
   * same fact gives the same envelope (id and ts), so the store keeps it once, whoever was first.
   */
  readonly fact?: { readonly id: string; readonly ts: number };
}

export interface AgentContext {
  /** This actor's key: the token for keyed agents, the agent name for singletons. */
  readonly key: string;
  /** `<agent>:<key>`, e.g. `position:SOL`. */
  readonly actorId: string;
  /** The event being handled (also the handler's second argument). */
  readonly event: Envelope;
  /** Event time of the event being handled: never wall time, so replays decide the same. */
  now(): number;
  /** Buffers an event; it is published only if the handler returns without throwing. */
  emit<T extends string, D>(type: EventType<T, D>, data: D, options?: EmitOptions): void;
  /** A logger carrying the actor id and the event's correlation id. */
  readonly log: Logger;
  /**
   * Starts slow work (a model request) without blocking the mailbox, once the handler has returned
   * without throwing. Its result is published as an event of `type` (keyed like emits; the id derives
   * from `idSeed`), so it comes back through the log, recorded, like any other input. `work` must
   * resolve with the event's data, failures included; it is not started while replaying.
   */
  pipeToLog<T extends string, D>(type: EventType<T, D>, work: () => Promise<D>, options: EmitOptions & { readonly idSeed: string }): void;
  /**
   * True while the actor is being rehydrated: the event was handled live before and its effects
   * happened then. Emits are dropped; a handler that talks to the outside (an exchange) must only
   * look up what it did then, never do it again.
   */
  readonly replaying: boolean;
}

/** What `recover` sees: no causing event, so time is wall time and emits get ids from their seed. */
export interface RecoveryContext {
  readonly key: string;
  readonly actorId: string;
  /** Wall time, ms: recovery talks to the outside world now, not at an event's time. */
  now(): number;
  /**
   * Buffers an event, published once `recover` returns. `idSeed` names what the event records (a
   * fill id, an order id): the same seed always gives the same envelope id.
   */
  emit<T extends string, D>(
    type: EventType<T, D>,
    data: D,
    options: EmitOptions & { readonly idSeed: string; readonly correlationId?: string; /** Event time to stamp (default: now). */ readonly ts?: number },
  ): void;
  readonly log: Logger;
}

/**
 * Which actor takes an event: `'token'` (one actor per token, the common case; rehydration can
 * then fetch just that token's events), `'singleton'` (one actor), or a function of the event.
 */
export type KeyOf<E> = 'singleton' | 'token' | ((event: E) => string | undefined);

export interface AgentSupervision {
  readonly restart?: RestartType;
  readonly backoff?: BackoffSpec;
  /** Times a message that crashed the handler is retried before it goes to the dead-letter topic. */
  readonly maxMessageRetries?: number;
  readonly shutdownMs?: number;
}

export interface AgentDefinition<S = any, E extends Envelope = any> {
  readonly name: string;
  readonly consumes: readonly EventType<string, any>[];
  /** `'token'`, `'singleton'`, or the key of the actor that takes an event (undefined: skip it). */
  readonly key: KeyOf<E>;
  /** Snapshot after this many applied events (default: the runtime's snapshotEvery). */
  readonly snapshotEvery?: number;
  readonly initialState: (key: string) => S;
  readonly handle: (state: S, event: E, ctx: AgentContext) => S | Promise<S>;
  readonly supervision?: AgentSupervision;
  /** Keyed agents only: an actor idle this long (ms) is snapshotted and stopped until needed. */
  readonly passivateAfterMs?: number;
  /**
   * Runs after every (re)start and rehydration, before the actor takes a message: the place to
   * reconcile with the outside world (in-flight orders with the venue). A throw fails the start,
   * and the supervisor restarts the actor with backoff.
   */
  readonly recover?: (state: S, ctx: RecoveryContext) => Promise<S>;
}

/** Defines an agent; the handler's event type is the union of the consumed event types. */
export function defineAgent<S, const C extends readonly EventType<string, any>[]>(definition: {
  readonly name: string;
  readonly consumes: C;
  readonly key: KeyOf<EnvelopeOf<C[number]>>;
  readonly initialState: (key: string) => S;
  readonly handle: (state: S, event: EnvelopeOf<C[number]>, ctx: AgentContext) => S | Promise<S>;
  readonly supervision?: AgentSupervision;
  readonly passivateAfterMs?: number;
  readonly snapshotEvery?: number;
  readonly recover?: (state: S, ctx: RecoveryContext) => Promise<S>;
}): AgentDefinition<S, EnvelopeOf<C[number]>> {
  if (!/^[a-z][a-z0-9-]*$/.test(definition.name)) {
    throw new Error(`agent name "${definition.name}" must be lower-case letters, digits and dashes`);
  }
  if (definition.consumes.length === 0) throw new Error(`agent ${definition.name} consumes no event type`);
  return definition;
}

export function topicsOf(definition: AgentDefinition): string[] {
  return [...new Set(definition.consumes.map((t) => t.topic))];
}

/** The key of the actor that takes `event`, or undefined when the agent does not take it. */
export function routeKey(definition: AgentDefinition, event: Envelope): string | undefined {
  const { key } = definition;
  return key === 'token' ? event.token : key === 'singleton' ? definition.name : key(event);
}

export function actorIdOf(agent: string, key: string): string {
  return `${agent}:${key}`;
}
