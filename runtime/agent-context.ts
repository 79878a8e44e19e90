// Builds the context a handler sees for one event: event time, a buffered outbox whose envelopes
// get deterministic ids (cause id + actor + index, so a retried handler emits the same ids), and a
// lazily created logger with the correlation id.
import type { Logger } from 'pino';
import type { AgentContext, EmitOptions } from './agent.js';
import type { Envelope } from './envelope.js';
import type { EventType } from './event-types.js';
import { deterministicId } from './ids.js';

export function createAgentContext(
  actorId: string,
  key: string,
  source: string,
  event: Envelope,
  outbox: Envelope[],
  baseLog: Logger,
  replaying = false,
): AgentContext {
  let log: Logger | undefined;
  return {
    key,
    actorId,
    event,
    replaying,
    now: () => event.ts,
    emit<T extends string, D>(type: EventType<T, D>, data: D, options?: EmitOptions) {
      const token = options?.token ?? event.token;
      outbox.push({
        id: deterministicId(`${event.id}/${actorId}/${outbox.length}`),
        type: type.type,
        ts: event.ts,
        ...(token !== undefined ? { token } : {}),
        source,
        correlationId: event.correlationId,
        causationId: event.id,
        data,
      });
    },
    get log() {
      return (log ??= baseLog.child({ actor: actorId, correlationId: event.correlationId, eventId: event.id }));
    },
  };
}
