// A test kit for agent authors (after Akka's BehaviorTestKit): run one agent against a scripted
// list of events on a virtual clock, with no log, store or actor system, through the same context
// code the runtime uses. Returns what each actor emitted and its final state.
import type { AgentDefinition } from './agent.js';
import { routeKey } from './agent.js';
import { createAgentContext, type PipedTask } from './agent-context.js';
import type { Envelope } from '../events/envelope.js';
import { ManualClock } from '../ports/clock.js';
import { silentLogger } from '../ports/logger.js';

export interface AgentRun<S> {
  /** Final state per actor key. */
  readonly states: Map<string, S>;
  /** Every emitted envelope, in order. */
  readonly emitted: Envelope[];
  /** The virtual clock, at the last event's time. */
  readonly clock: ManualClock;
  /** Emitted envelopes of one type. */
  ofType<T extends string>(type: T): Envelope<T, any>[];
  /** The state of one actor (throws when it never received an event). */
  state(key?: string): S;
}

export interface RunOptions<S> {
  /** Starting state per key, instead of the agent's initial state. */
  readonly initial?: ReadonlyMap<string, S>;
}

export async function runAgent<S>(
  agent: AgentDefinition<S>,
  events: readonly Envelope[],
  options: RunOptions<S> = {},
): Promise<AgentRun<S>> {
  const clock = new ManualClock();
  const states = new Map<string, S>(options.initial);
  const emitted: Envelope[] = [];
  const accepted = new Set(agent.consumes.map((t) => t.type));
  for (const event of events) {
    clock.set(event.ts);
    if (!accepted.has(event.type)) continue;
    const key = routeKey(agent, event);
    if (key === undefined) continue;
    const outbox: Envelope[] = [];
    const tasks: PipedTask[] = [];
    const ctx = createAgentContext(`${agent.name}:${key}`, key, agent.name, event, outbox, silentLogger, false, tasks);
    const before = states.has(key) ? states.get(key)! : agent.initialState(key);
    states.set(key, await agent.handle(before, event, ctx));
    emitted.push(...outbox);
    // Piped work is awaited here, in order, and its results count as emitted (they are published).
    for (const task of tasks) emitted.push(await task());
  }
  return {
    states,
    emitted,
    clock,
    ofType: <T extends string>(type: T) => emitted.filter((e) => e.type === type) as Envelope<T, any>[],
    state: (key = agent.name) => {
      if (!states.has(key)) throw new Error(`actor ${agent.name}:${key} received no event`);
      return states.get(key)!;
    },
  };
}

let scriptedSeq = 0;

/** Builds an envelope for a scripted event (ids are sequential and stable within a process). */
export function scriptedEvent<T extends string, D>(
  type: { type: T },
  data: D,
  fields: { ts: number; token?: string; id?: string; source?: string },
): Envelope<T, D> {
  const id = fields.id ?? `scripted-${++scriptedSeq}`;
  return {
    id,
    type: type.type,
    ts: fields.ts,
    ...(fields.token !== undefined ? { token: fields.token } : {}),
    source: fields.source ?? 'test',
    correlationId: id,
    data,
  };
}
