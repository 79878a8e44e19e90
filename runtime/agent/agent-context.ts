// Builds the context a handler sees for one event: event time, a buffered outbox whose envelopes
// get deterministic ids (cause id + actor + index, so a retried handler emits the same ids), and a
// lazily created logger with the correlation id.
import type { Logger } from 'pino';
import type { AgentContext, RecoveryContext } from './agent.js';
import type { Envelope } from '../events/envelope.js';
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

/**
 * One per handled event. The logger is made lazily through a getter on the prototype: an object
 * literal with a getter is built on V8's slow path, ~0.75 µs each against ~0.03 µs for this, and
 * there are several per event. The methods stay per-instance closures, so a handler may take them
 * off the context (`const { emit } = ctx`).
 */
class EventContext implements AgentContext {
  readonly now: () => number;
  readonly emit: AgentContext['emit'];
  readonly pipeToLog: AgentContext['pipeToLog'];
  private logger: Logger | undefined;

  constructor(
    readonly actorId: string,
    readonly key: string,
    source: string,
    readonly event: Envelope,
    outbox: Envelope[],
    private readonly baseLog: Logger,
    readonly replaying: boolean,
    tasks: PipedTask[] | undefined,
  ) {
    this.now = () => event.ts;
    this.emit = (type, data, options) => {
      const fact = options?.fact;
      const id = deterministicId(fact ? fact.id : `${event.id}/${actorId}/${outbox.length}`);
      outbox.push(envelope(id, type.type, fact ? fact.ts : event.ts, options?.token ?? event.token, source, event.correlationId, event.id, data));
    };
    this.pipeToLog = (type, work, options) => {
      if (replaying || !tasks) return;
      const id = deterministicId(`${actorId}/task/${options.idSeed}`);
      tasks.push(async () => envelope(id, type.type, event.ts, options.token ?? event.token, source, event.correlationId, event.id, await work()));
    };
  }

  get log(): Logger {
    return (this.logger ??= this.baseLog.child({ actor: this.actorId, correlationId: this.event.correlationId, eventId: this.event.id }));
  }
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
  return new EventContext(actorId, key, source, event, outbox, baseLog, replaying, tasks);
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
