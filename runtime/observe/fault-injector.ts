// The fault injector: seeded chaos that operators can also run against staging. It makes chosen
// agents' handlers throw and kills their actors mid-stream. Every decision is a hash of
// (seed, kind, actor, event id), not a draw from a shared sequence, so the same seed injects the
// same faults at the same events whatever the scheduling, and a failing chaos run is replayed by
// its seed. Off unless configured. It reaches the actors as a handler interceptor the registry
// applies: only live calls are touched, never a rehydration's replay.
import { createHash } from 'node:crypto';
import type { AgentDefinition } from '../agent/agent.js';
import type { Envelope } from '../events/envelope.js';
import type { HandlerInterceptor } from '../cells/handler-interceptor.js';
import { isThenable } from '../kit/thenable.js';

export interface FaultSettings {
  readonly seed: number;
  /** Probability that a handler throws on an event (first attempt only, so nothing is poisoned). */
  readonly handlerFailureRate: number;
  /** Probability that an actor is killed right after applying an event. */
  readonly killRate: number;
  /** Agents whose actors are targeted (e.g. position, risk, execution). */
  readonly agents: readonly string[];
}

export class InjectedFault extends Error {
  override readonly name = 'InjectedFault';
}

export class FaultInjector implements HandlerInterceptor {
  private readonly agents: ReadonlySet<string>;
  private readonly thrown = new Set<string>();
  /** Faults injected so far, by kind. */
  readonly injected = { throws: 0, kills: 0 };

  constructor(readonly settings: FaultSettings) {
    this.agents = new Set(settings.agents);
  }

  targets(agent: string): boolean {
    return this.agents.has(agent);
  }

  /** The handler with this schedule's faults: it may throw before, and kill the actor once it applied. */
  wrap<S>(agent: AgentDefinition<S>, actorId: string, kill: (why: string) => void): AgentDefinition<S>['handle'] {
    const { handle, name } = agent;
    if (!this.targets(name)) return handle;
    const killIfDue = (state: S, event: Envelope): S => {
      if (this.killAfter(name, actorId, event)) kill(`${actorId} killed by the fault injector`);
      return state;
    };
    return (state, event, ctx) => {
      if (ctx.replaying) return handle(state, event, ctx);
      this.beforeHandle(name, actorId, event);
      const next = handle(state, event, ctx);
      return isThenable(next) ? Promise.resolve(next).then((s) => killIfDue(s, event)) : killIfDue(next, event);
    };
  }

  /** Throws an InjectedFault when the schedule says this handler call fails. */
  beforeHandle(agent: string, actorId: string, event: Envelope): void {
    if (!this.agents.has(agent) || this.settings.handlerFailureRate <= 0) return;
    const key = `${actorId}|${event.id}`;
    if (this.thrown.has(key) || this.draw('throw', key) >= this.settings.handlerFailureRate) return;
    this.thrown.add(key);
    this.injected.throws++;
    throw new InjectedFault(`injected handler failure in ${actorId} on event ${event.id} (seed ${this.settings.seed})`);
  }

  /** True when the schedule says this actor is killed after applying this event. */
  killAfter(agent: string, actorId: string, event: Envelope): boolean {
    if (!this.agents.has(agent) || this.settings.killRate <= 0) return false;
    if (this.draw('kill', `${actorId}|${event.id}`) >= this.settings.killRate) return false;
    this.injected.kills++;
    return true;
  }

  private draw(kind: string, key: string): number {
    const h = createHash('sha1').update(`${this.settings.seed}|${kind}|${key}`).digest();
    return h.readUInt32BE(0) / 4294967296;
  }
}

