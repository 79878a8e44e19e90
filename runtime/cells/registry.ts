// The actor registry: every message to an actor goes through it, never through a raw nact ref.
// It spawns keyed actors on demand under their family's supervisor, passivates idle ones (snapshot,
// stop, forget) and sends anything it cannot deliver to a dead-letter topic.
import { actorIdOf, type AgentDefinition } from '../agent/agent.js';
import { rehydrate } from './rehydration.js';
import { ActorCell, type CellEnv } from './actor-cell.js';
import type { Delivery } from '../intake/delivery.js';
import { workerSpec, type BackoffSpec, type ChildSpec, type RestartType } from '../ports/supervision.js';
import type { Supervisor } from '../supervision/supervisor.js';
import { systemClock } from '../ports/clock.js';
import type { HandlerInterceptor } from './handler-interceptor.js';

interface Family {
  readonly agent: AgentDefinition;
  /** The supervisor that adds and removes this agent's actors on demand. */
  readonly supervisor: Supervisor;
  readonly cells: Map<string, ActorCell>;
}

export interface RegistryOptions {
  readonly shutdownMs: number;
  /** Wraps the handler of every actor created (fault injection, when configured). */
  readonly interceptor?: HandlerInterceptor;
}

export class ActorRegistry {
  private readonly families = new Map<string, Family>();

  constructor(
    private readonly env: CellEnv,
    private readonly options: RegistryOptions,
  ) {}

  /** An agent whose actors (one per key; a singleton's one) are created on demand under `supervisor`. */
  family(agent: AgentDefinition, supervisor: Supervisor): void {
    this.families.set(agent.name, { agent, supervisor, cells: new Map() });
  }

  deliver(agent: string, key: string, delivery: Delivery): void {
    const family = this.families.get(agent);
    if (!family) {
      this.env.log.error({ agent, key }, 'delivery to an unknown agent');
      for (const event of delivery.events) {
        delivery.track(this.env.publisher.deadLetter({ topic: this.env.topicOf(event.type), reason: 'no-such-agent', detail: `no agent named ${agent}`, original: event }));
      }
      delivery.finish();
      delivery.done.catch((err) => this.env.log.error({ err, agent }, 'dead letter failed; delivery not acknowledged'));
      return;
    }
    let cell = family.cells.get(key);
    if (!cell) {
      cell = this.createCell(family.agent, key);
      family.cells.set(key, cell);
      this.spawn(family, cell);
    } else if (cell.status === 'stopped' && !family.supervisor.has(cell.id)) {
      // Retired without a snapshot (see retire): started again, from its state in memory, now that work came.
      this.spawn(family, cell);
    }
    cell.tell(delivery);
  }

  cell(agent: string, key: string): ActorCell | undefined {
    return this.families.get(agent)?.cells.get(key);
  }

  /** Last good state of every live actor of an agent, by key. */
  states<S = unknown>(agent: string): Map<string, S> {
    const out = new Map<string, S>();
    for (const [key, cell] of this.families.get(agent)?.cells ?? []) {
      const state = cell.currentState();
      if (state !== undefined) out.set(key, state as S);
    }
    return out;
  }

  /**
   * The state of an actor, live or not: a passivated or never-started actor is rehydrated on the
   * side (snapshot + store), without being spawned.
   */
  async peek<S = unknown>(agent: string, key: string): Promise<S | undefined> {
    const family = this.families.get(agent);
    if (!family) return undefined;
    const live = family.cells.get(key)?.currentState();
    if (live !== undefined) return live as S;
    return (await rehydrate(family.agent, key, actorIdOf(agent, key), this.env)).state as S;
  }

  /** Per agent: live actors and events waiting in their mailboxes and stashes. */
  load(): Map<string, { actors: number; depth: number }> {
    const out = new Map<string, { actors: number; depth: number }>();
    for (const [name, family] of this.families) {
      let depth = 0;
      for (const cell of family.cells.values()) depth += cell.depth;
      out.set(name, { actors: family.cells.size, depth });
    }
    return out;
  }

  /** Piped work (e.g. model requests) still running in any actor: its results are still to come. */
  pipedWork(): number {
    let n = 0;
    for (const family of this.families.values()) for (const cell of family.cells.values()) n += cell.pipedWork;
    return n;
  }

  /** Snapshots and stops keyed actors idle for longer than their agent's passivateAfterMs. */
  async passivateIdle(now = (this.env.clock ?? systemClock).now()): Promise<number> {
    let count = 0;
    for (const family of this.families.values()) {
      const after = family.agent.passivateAfterMs;
      if (family.agent.key === 'singleton' || after === undefined) continue;
      for (const cell of [...family.cells.values()]) {
        if (cell.status !== 'running' || !cell.isIdle() || now - cell.lastActive < after) continue;
        await this.retire(family, cell);
        count++;
      }
    }
    return count;
  }

  /** Snapshots and stops the keyed actors that consumed any of these partitions (on revoke). */
  async release(partitionKeys: readonly string[]): Promise<number> {
    let count = 0;
    for (const family of this.families.values()) {
      for (const cell of [...family.cells.values()]) {
        if (!partitionKeys.some((k) => cell.hasApplied(k))) continue;
        await this.retire(family, cell);
        count++;
      }
    }
    return count;
  }

  /**
   * Stops a keyed actor (it snapshots on the way out) and forgets it. When work arrived meanwhile
   * it is started again. When its snapshot could not be saved it is kept, stopped, with its state
   * in memory (forgetting it would lose what it applied beyond the committed offsets), and started
   * again by the next delivery: not at once, since a start rehydrates and runs the agent's recover
   * (the execution actor would reconcile and audit again while the runtime shuts down).
   */
  private async retire(family: Family, cell: ActorCell): Promise<void> {
    await family.supervisor.remove(cell.id);
    if (!cell.isIdle()) this.spawn(family, cell);
    else if (cell.snapshotSaved) family.cells.delete(cell.key);
  }

  private createCell(agent: AgentDefinition, key: string): ActorCell {
    const { interceptor } = this.options;
    if (!interceptor) return new ActorCell(agent, key, this.env);
    const cell: ActorCell = new ActorCell(
      { ...agent, handle: interceptor.wrap(agent, actorIdOf(agent.name, key), (why) => cell.killAfterThisEvent(why)) },
      key,
      this.env,
    );
    return cell;
  }

  private spawn(family: Family, cell: ActorCell): void {
    family.supervisor.add(this.childSpec(cell)).catch((err) => this.env.log.error({ err, actor: cell.id }, 'spawn failed'));
  }

  /** How an agent's actors are supervised: its own policy, or permanent with the runtime's shutdown time. */
  actorPolicy(agent: AgentDefinition): { restart: RestartType; shutdown: number; backoff?: BackoffSpec } {
    const s = agent.supervision;
    return { restart: s?.restart ?? 'permanent', shutdown: s?.shutdownMs ?? this.options.shutdownMs, ...(s?.backoff ? { backoff: s.backoff } : {}) };
  }

  private childSpec(cell: ActorCell): ChildSpec {
    const { shutdown, ...policy } = this.actorPolicy(cell.agent);
    return workerSpec(cell.id, shutdown, (link) => cell.start(link), policy);
  }
}
