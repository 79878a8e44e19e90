// Builds the context a handler sees for one event: event time, a buffered outbox whose envelopes
// get deterministic ids (cause id + actor + index, so a retried handler emits the same ids), and a
// lazily created logger with the correlation id.
import type { Logger } from 'pino';
import type { AgentContext, EmitOptions, RecoveryContext } from './agent.js';
import type { Envelope } from '../events/envelope.js';
import type { EventType } from '../events/event-types.js';
import { deterministicId } from '../events/ids.js';
import { systemClock, type Clock } from '../ports/clock.js';

/** Work started by `ctx.pipeToLog`, run after the handler returned; resolves with the envelope to publish. */
export type PipedTask = () => Promise<Envelope>;

/** An emitted envelope; the token is left out when there is none. */
function envelope(id: string, type: string, ts: number, token: string | undefined, source: string, correlationId: string, causationId: string | undefined, data: unknown): Envelope {
  return {
    id,
    type,
    ts,
    ...(token !== undefined ? { token } : {}),
    source,
    correlationId,
    ...(causationId !== undefined ? { causationId } : {}),
    data,
  };
}

export function createAgentContext(
  actorId: string,
  key: string,
  source: string,
  event: Envelope,
  outbox: Envelope[],
  baseLog: Logger,
  replaying = false,
  tasks?: PipedTask[],
): AgentContext {
  let log: Logger | undefined;
  return {
    key,
    actorId,
    event,
    replaying,
    now: () => event.ts,
    emit<T extends string, D>(type: EventType<T, D>, data: D, options?: EmitOptions) {
      const fact = options?.fact;
      const id = deterministicId(fact ? fact.id : `${event.id}/${actorId}/${outbox.length}`);
      outbox.push(envelope(id, type.type, fact ? fact.ts : event.ts, options?.token ?? event.token, source, event.correlationId, event.id, data));
    },
    pipeToLog<T extends string, D>(type: EventType<T, D>, work: () => Promise<D>, options: EmitOptions & { readonly idSeed: string }) {
      if (replaying || !tasks) return;
      const id = deterministicId(`${actorId}/task/${options.idSeed}`);
      tasks.push(async () => envelope(id, type.type, event.ts, options.token ?? event.token, source, event.correlationId, event.id, await work()));
    },
    get log() {
      return (log ??= baseLog.child({ actor: actorId, correlationId: event.correlationId, eventId: event.id }));
    },
  };
}

/** The context of an agent's `recover`: the runtime's (wall) time, and emits whose ids derive from their seeds. */
export function createRecoveryContext(
  actorId: string,
  key: string,
  source: string,
  outbox: Envelope[],
  baseLog: Logger,
  clock: Clock = systemClock,
): RecoveryContext {
  const log = baseLog.child({ actor: actorId, phase: 'recover' });
  return {
    key,
    actorId,
    log,
    now: () => clock.now(),
    emit(type, data, options) {
      const id = deterministicId(options.fact ? options.fact.id : `${actorId}/recover/${options.idSeed}`);
      outbox.push(envelope(id, type.type, options.fact?.ts ?? options.ts ?? clock.now(), options.token, source, options.correlationId ?? id, undefined, data));
    },
  };
}
