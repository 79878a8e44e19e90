// The runtime: runs the supervision tree it is given (runtime/supervision/tree.ts) over nact, wires
// the router, registry and publisher to the ports it is given, and exposes start, stop, drain and
// introspection. Without a tree it runs the standard one:
//
//   root (one_for_one)
//   ├── agents     (one_for_one): one simple_one_for_one family per keyed agent; singletons on demand
//   └── infra      (one_for_one): store writer, event-log consumers, then the services it was given
//
// Children start in list order and stop in reverse, so infra starts last (the actors are up
// before the first record arrives) and stops first (intake drains into live actors and commits
// before they snapshot and stop).
import type { Logger } from 'pino';
import type { AgentDefinition } from './agent/agent.js';
import { topicsOf } from './agent/agent.js';
import { SharedDecoder, type RecordDecoder } from './events/shared-decoder.js';
import { EventTypeRegistry, type EventType } from './events/event-types.js';
import { silentLogger } from './ports/logger.js';
import { RuntimeMetrics } from './observe/metrics.js';
import { startNactSystem, stopNactSystem, type NactRef } from './cells/nact-host.js';
import { systemClock, type RuntimeClock } from './ports/clock.js';
import type { EventLog, TopicPartition, TopicSpec } from './ports/event-log.js';
import { StoreWatermark } from './intake/store-watermark.js';
import { groupProgress, recordsBehind, type GroupTopics } from './intake/group-progress.js';
import { IdleWatch } from './intake/idle-watch.js';
import type { Random } from './ports/random.js';
import type { StateStore } from './ports/state-store.js';
import type { EventStore } from './ports/event-store.js';
import { EventTimeClock } from './event-time-clock.js';
import { Health } from './observe/health.js';
import { storeWriter } from './intake/store-writer.js';
import { FaultInjector, type FaultSettings } from './observe/fault-injector.js';
import { Publisher, dlqTopicOf } from './intake/publisher.js';
import { SeededRandom } from './kit/random.js';
import { ActorRegistry } from './cells/registry.js';
import { Router } from './intake/router.js';
import type { ChildSpec } from './ports/supervision.js';
import { Supervisor, type RestartReport, type SupervisionEnv } from './supervision/supervisor.js';
import { standardTree, type TreeDescription, type TreeSpec } from './supervision/tree.js';
import { buildPlan, describePlan, planTree, type TreePlan } from './supervision/tree-plan.js';
import { defaultSupervision, runtimeDefaults, type SupervisionSettings } from './runtime-defaults.js';

export { defaultSupervision, type SupervisionSettings } from './runtime-defaults.js';

export interface RuntimeOptions {
  readonly eventLog: EventLog;
  readonly agents: readonly AgentDefinition[];
  readonly eventTypes: readonly EventType<string, any>[];
  /** Topics to create at start (their DLQs are created too). */
  readonly topics?: readonly TopicSpec[];
  /** Where actor snapshots live (the application picks the adapter: memory, Redis). */
  readonly stateStore: StateStore;
  /** Persists every event and makes rehydration replay possible; none in the embedded default. */
  readonly eventStore?: EventStore;
  readonly groupId?: string;
  /** Consumer group of the store writer (default `<groupId>-store`). */
  readonly storeGroupId?: string;
  /** How long an in-process restart waits for the store writer to catch up (ms). */
  readonly storeWaitMs?: number;
  /** The supervision tree to run (default: standardTree of the supervision settings). */
  readonly tree?: TreeSpec;
  readonly name?: string;
  readonly logger?: Logger;
  readonly metrics?: RuntimeMetrics;
  readonly random?: Random;
  readonly supervision?: Partial<SupervisionSettings>;
  readonly snapshotEvery?: number;
  readonly maxBatchSize?: number;
  readonly maxInFlightBatches?: number;
  readonly memberMetadata?: Record<string, unknown>;
  /** Extra children (HTTP server, venue fills, maintenance jobs): the tree's `services` slot, started after the intakes. */
  readonly services?: readonly ChildSpec[];
  /** How often idle keyed actors are checked for passivation (ms; 0 disables). */
  readonly passivationSweepMs?: number;
  /** Seeded chaos: handler failures and actor kills (off unless given). */
  readonly faults?: FaultSettings;
  /**
   * Snapshots wait until the store holds everything logged before them (the in-process log with an
   * event store, where only what is stored survives the process).
   */
  readonly snapshotsAwaitStore?: boolean;
  /** Called when the root supervisor gives up; the runtime is then stopped. */
  readonly onFatal?: (error: Error) => void;
  /** Follows the time of every processed event (given when the composition root needs it first). */
  readonly eventTime?: EventTimeClock;
  /** The kernel's time: what it dates, times and waits out (default: the system clock). */
  readonly clock?: RuntimeClock;
}

let runtimeCount = 0;

/** How long whenIdle goes without looking when nothing signalled: a missed signal costs this, never a hang. */
const IDLE_BACKSTOP_MS = 1000;
/**
 * After progress was signalled, the next look waits this long at most: an event log may answer
 * offset lookups from a short cache (the Kafka adapter keeps them 5 ms), so a look right after a
 * commit can see the offsets from before it, and no further signal would come.
 */
const RECHECK_AFTER_PROGRESS_MS = 10;

interface Intake {
  readonly id: string;
  readonly groupId: string;
  readonly assignment: 'ranges' | 'single-owner';
  readonly agents: readonly AgentDefinition[];
  readonly router: Router;
}

export class Runtime {
  readonly metrics: RuntimeMetrics;
  readonly log: Logger;
  readonly types: EventTypeRegistry;
  /** Every intake's and the store writer's decoder: on a log that shares record values, a record read by several groups is decoded once. */
  private readonly decoder: RecordDecoder;
  readonly registry: ActorRegistry;
  readonly restarts: RestartReport[] = [];
  readonly groupId: string;
  readonly health: Health;
  readonly storeGroupId: string;
  /** Consumer group of the singleton agents: one pod owns all their partitions. */
  readonly singletonGroupId: string;
  readonly faults: FaultInjector | undefined;
  /** The latest event time this runtime has processed: "now" in a replay or synthetic run. */
  readonly eventTime: EventTimeClock;
  /** Keyed agents read in the runtime's group (ranges); singletons in their own (one owner). */
  private readonly intakes: Intake[];
  private readonly publisher: Publisher;
  private readonly settings: SupervisionSettings;
  private nact: NactRef | undefined;
  private root: Supervisor | undefined;
  private sweep: NodeJS.Timeout | undefined;
  private state: 'new' | 'running' | 'stopping' | 'stopped' | 'failed' = 'new';
  private readonly watermark: StoreWatermark | undefined;
  /** Topics created at start (with their DLQs) and the ones the store writer persists. */
  private readonly topics: readonly TopicSpec[];
  private readonly storedTopics: readonly string[];
  /** The tree as it will run, checked against the agents when the runtime is built. */
  private readonly plan: TreePlan;
  /** Wakes whenIdle when work ends, commits land or partitions move. */
  private readonly idleWatch = new IdleWatch();
  private readonly clock: RuntimeClock;

  constructor(private readonly options: RuntimeOptions) {
    this.metrics = options.metrics ?? new RuntimeMetrics();
    this.clock = options.clock ?? systemClock;
    this.log = options.logger ?? silentLogger;
    this.types = new EventTypeRegistry(options.eventTypes);
    this.decoder = options.eventLog.sharesRecordValues ? new SharedDecoder(this.types) : this.types;
    this.groupId = options.groupId ?? runtimeDefaults.groupId;
    this.settings = { ...defaultSupervision, ...options.supervision };
    this.publisher = new Publisher(options.eventLog, this.types, this.metrics, this.log);
    this.health = new Health(this.metrics, this.log);
    this.storeGroupId = options.storeGroupId ?? `${this.groupId}-store`;
    this.singletonGroupId = `${this.groupId}-singletons`;
    const { eventStore } = options;
    this.watermark = eventStore && options.snapshotsAwaitStore ? new StoreWatermark(options.eventLog, () => this.storedTopics, this.clock) : undefined;
    this.faults = options.faults ? new FaultInjector(options.faults) : undefined;
    this.eventTime = options.eventTime ?? new EventTimeClock();
    this.registry = new ActorRegistry(
      {
        publisher: this.publisher,
        metrics: this.metrics,
        log: this.log,
        health: this.health,
        stateStore: options.stateStore,
        ...(eventStore ? { eventStore } : {}),
        processedBound: (agent) => this.processedBound(agent),
        storedUpTo: () => (eventStore ? eventStore.offsets(this.storeGroupId) : Promise.resolve(new Map())),
        storeWaitMs: options.storeWaitMs ?? runtimeDefaults.storeWaitMs,
        lineage: () => options.eventLog.lineage(),
        snapshotEvery: options.snapshotEvery ?? runtimeDefaults.snapshotEvery,
        maxMessageRetries: this.settings.maxMessageRetries,
        topicOf: (type) => this.types.topicOf(type),
        ...(this.watermark ? { snapshotGate: () => this.watermark!.caughtUpNow(this.settings.shutdownMs) } : {}),
        eventTime: this.eventTime,
        pipedDone: () => this.idleWatch.notify(),
        clock: this.clock,
      },
      { shutdownMs: this.settings.shutdownMs, ...(this.faults ? { interceptor: this.faults } : {}) },
    );
    const router = (agents: readonly AgentDefinition[]) =>
      new Router(agents, this.decoder, this.registry, this.publisher, this.metrics, this.log, {
        maxInFlightBatches: options.maxInFlightBatches ?? runtimeDefaults.maxInFlightBatches,
        idleWatch: this.idleWatch,
      });
    const keyed = options.agents.filter((a) => a.key !== 'singleton');
    const singletons = options.agents.filter((a) => a.key === 'singleton');
    this.intakes = [
      ...(keyed.length ? [{ id: 'event-log-consumer', groupId: this.groupId, assignment: 'ranges' as const, agents: keyed, router: router(keyed) }] : []),
      ...(singletons.length
        ? [{ id: 'singleton-consumer', groupId: this.singletonGroupId, assignment: 'single-owner' as const, agents: singletons, router: router(singletons) }]
        : []),
    ];
    this.topics = options.topics ?? this.derivedTopics();
    this.storedTopics = this.topics.map((t) => t.name).filter((t) => !t.endsWith('.dlq'));
    const s = this.settings;
    this.plan = planTree(options.tree ?? standardTree({ strategy: 'one_for_one', intensity: s.maxRestarts, period: s.withinMs }), {
      agents: options.agents,
      ...(options.eventStore ? { storeWriter: this.storeWriterSpec(options.eventStore) } : {}),
      intakes: this.intakes.map((intake) => this.intakeSpec(intake)),
      services: options.services ?? [],
    });
    this.metrics.sampler = () => {
      for (const [agent, { actors, depth }] of this.registry.load()) {
        this.metrics.actors.set({ agent }, actors);
        this.metrics.mailboxDepth.set({ agent }, depth);
      }
    };
  }

  get running(): boolean {
    return this.state === 'running';
  }

  get publisherPort(): Publisher {
    return this.publisher;
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`runtime cannot start from state ${this.state}`);
    const { eventLog } = this.options;
    const withDlqs = new Map<string, TopicSpec>();
    for (const t of this.topics) {
      withDlqs.set(t.name, t);
      if (!t.name.endsWith('.dlq') && !withDlqs.has(dlqTopicOf(t.name))) withDlqs.set(dlqTopicOf(t.name), { name: dlqTopicOf(t.name), partitions: t.partitions });
    }
    await eventLog.createTopics([...withDlqs.values()]);
    this.warnIfNotCoPartitioned();
    await this.options.eventStore?.migrate();

    // Singletons start on demand, on the pod that owns their intake, so a standby never writes
    // a stale snapshot over the owner's.
    this.root = buildPlan(this.plan, this.supervisionEnv(), (agent, supervisor) => this.registry.family(agent, supervisor));
    // nact finds actors by system name in a process-wide map: every runtime needs its own name.
    this.nact = startNactSystem(`${this.options.name ?? `regent-${this.groupId}`}-${++runtimeCount}`);
    this.state = 'running';
    await this.root.start(this.nact);
    const sweepMs = this.options.passivationSweepMs ?? runtimeDefaults.passivationSweepMs;
    if (sweepMs > 0) {
      this.sweep = setInterval(() => void this.registry.passivateIdle().catch((err) => this.log.error({ err }, 'passivation failed')), sweepMs);
      this.sweep.unref();
    }
    this.log.info({ group: this.groupId, agents: this.options.agents.map((a) => a.name), topics: this.intakes.map((i) => i.router.topics()) }, 'runtime started');
  }

  /** Graceful stop, in reverse start order: intake (drain, commit), the actors (snapshots), nact. */
  async stop(): Promise<void> {
    if (this.state !== 'running' && this.state !== 'failed') return;
    this.state = 'stopping';
    if (this.sweep) clearInterval(this.sweep);
    await this.root?.stop('runtime stop');
    if (this.nact) stopNactSystem(this.nact);
    this.state = 'stopped';
    this.idleWatch.notify();
    this.log.info({ group: this.groupId }, 'runtime stopped');
  }

  /**
   * Brutal stop, as if the process died: no drain, no snapshot, no commit beyond what is already
   * committed; the group is left so another runtime can take the partitions over.
   */
  kill(): void {
    // Also cuts short a graceful stop in progress (a shutdown deadline passed).
    if (this.state !== 'running' && this.state !== 'stopping' && this.state !== 'failed') return;
    if (this.sweep) clearInterval(this.sweep);
    this.root?.kill();
    this.watermark?.cancelWaits();
    if (this.nact) stopNactSystem(this.nact);
    this.state = 'stopped';
    this.idleWatch.notify();
    this.log.warn({ group: this.groupId }, 'runtime killed');
  }

  /**
   * Per partition of the stored topics, how many records the log holds past what this runtime's
   * store writer stored (`topic/partition` -> count, only those behind). Undefined unless the
   * in-process log runs with an event store, where those records are lost when the process ends.
   */
  async unstored(): Promise<Map<string, number> | undefined> {
    return this.watermark?.behind();
  }

  /**
   * With the in-process log and a store (snapshotsAwaitStore): true once the store holds every record
   * the log holds now, false after `timeoutMs`. Without: true.
   */
  storeHoldsLogNow(timeoutMs: number): Promise<boolean> {
    return this.watermark ? this.watermark.caughtUpNow(timeoutMs) : Promise.resolve(true);
  }

  /**
   * Resolves when every record on the consumed topics is processed and committed. It looks again
   * whenever the kernel signals progress (a commit, the end of piped work, a revoke); partitions
   * owned by another process (pod) are looked at every `pollMs` instead, their commits being
   * signalled there.
   */
  async whenIdle(options: { pollMs?: number; timeoutMs?: number; stored?: boolean } = {}): Promise<void> {
    const pollMs = options.pollMs ?? 2;
    const deadline = this.clock.elapsed() + (options.timeoutMs ?? Number.POSITIVE_INFINITY);
    let changed = false;
    /** The last look followed progress: its answer may predate it (see RECHECK_AFTER_PROGRESS_MS). */
    let afterProgress = false;
    let wake = () => {};
    const stopListening = this.idleWatch.listen(() => {
      changed = true;
      wake();
    });
    try {
      for (;;) {
        afterProgress = changed;
        changed = false;
        const busy = await this.busyWith(options.stored ?? false);
        if (busy === undefined) return;
        // Killed (or failed and stopped) before it was idle: it never will be.
        if (this.state === 'stopped') throw new Error('runtime stopped before it was idle');
        const left = deadline - this.clock.elapsed();
        if (left < 0) throw new Error(`runtime not idle after ${options.timeoutMs} ms (${busy.reason})`);
        if (changed) continue; // progress during the check: look again at once
        await new Promise<void>((resolve) => {
          const done = () => {
            timer.cancel();
            wake = () => {};
            resolve();
          };
          const wait = busy.elsewhere ? pollMs : afterProgress ? RECHECK_AFTER_PROGRESS_MS : IDLE_BACKSTOP_MS;
          const timer = this.clock.after(Math.min(left, wait), done);
          wake = done;
        });
      }
    } finally {
      stopListening();
    }
  }

  /** True when nothing is in flight and each intake's group has committed every record of its topics. */
  async idle(stored = false): Promise<boolean> {
    return (await this.busyWith(stored)) === undefined;
  }

  /**
   * Records the furthest-behind group has not committed on its topics: each intake's group, and the
   * store writer's (what the feed's window on Kafka is measured by).
   */
  async recordsBehind(): Promise<number> {
    if (this.state === 'stopped') throw new Error('runtime stopped before it caught up');
    const groups = this.groupTopics(true);
    const progress = await groupProgress(this.options.eventLog, groups);
    return Math.max(0, ...groups.map((g) => recordsBehind(progress, g.groupId)));
  }

  /**
   * What keeps the runtime from being idle (see `idle`), or undefined when nothing does;
   * `elsewhere` when that is a partition no consumer of this process reads (its progress is not
   * signalled here).
   */
  private async busyWith(stored: boolean): Promise<{ reason: string; elsewhere: boolean } | undefined> {
    const inFlight = this.intakes.reduce((n, i) => n + i.router.inFlight(), 0);
    if (inFlight > 0) return { reason: `${inFlight} record(s) in flight`, elsewhere: false };
    // Work an actor piped (a model request) publishes its result later: not idle until it has.
    const piped = this.registry.pipedWork();
    if (piped > 0) return { reason: `${piped} piped task(s) running`, elsewhere: false };
    // `stored`: also persisted, so a run stopped (or killed) at that point loses nothing.
    const progress = await groupProgress(this.options.eventLog, this.groupTopics(stored));
    const behind = progress.filter((p) => p.committed !== p.end);
    if (behind.length === 0) return undefined;
    const { groupId, committed, end, tp } = behind[0]!;
    return {
      reason: `group ${groupId} committed ${committed ?? 'nothing'} of ${end} on ${tp.topic}/${tp.partition}`,
      elsewhere: behind.some((p) => !this.idleWatch.owns(p.groupId, p.tp)),
    };
  }

  /** The intakes' groups with their topics, and the store writer's group when `stored`. */
  private groupTopics(stored: boolean): GroupTopics[] {
    const groups: GroupTopics[] = this.intakes.map((i) => ({ groupId: i.groupId, topics: i.router.topics() }));
    if (stored && this.options.eventStore && this.storedTopics.length) groups.push({ groupId: this.storeGroupId, topics: this.storedTopics });
    return groups;
  }

  /** The supervision tree as it runs (with each child's status), for logs and the dashboard. */
  describe() {
    return this.root?.describe();
  }

  /** The supervision tree as it will run, before start: supervisors, workers and the actors started on demand. */
  describeTree(): TreeDescription {
    return describePlan(this.plan, (agent) => this.registry.actorPolicy(agent));
  }

  private storeWriterSpec(eventStore: EventStore): ChildSpec {
    return storeWriter({
      eventLog: this.options.eventLog,
      eventStore,
      types: this.decoder,
      groupId: this.storeGroupId,
      topics: this.storedTopics,
      maxBatchSize: this.options.maxBatchSize ?? runtimeDefaults.maxBatchSize,
      shutdownMs: this.settings.shutdownMs * 4,
      log: this.log,
      health: this.health,
      deadLetter: (letter) => this.publisher.deadLetter(letter),
      idleWatch: this.idleWatch,
      clock: this.clock,
      ...(this.watermark ? { onStored: (tp: TopicPartition, next: number) => this.watermark!.advance(tp, next) } : {}),
      ...(this.options.memberMetadata ? { memberMetadata: this.options.memberMetadata } : {}),
    });
  }

  private intakeSpec(intake: Intake): ChildSpec {
    return intake.router.consumerSpec({
      id: intake.id,
      eventLog: this.options.eventLog,
      groupId: intake.groupId,
      assignment: intake.assignment,
      maxBatchSize: this.options.maxBatchSize ?? runtimeDefaults.maxBatchSize,
      shutdownMs: this.settings.shutdownMs * 4,
      ...(this.options.memberMetadata ? { memberMetadata: this.options.memberMetadata } : {}),
    });
  }

  states<S = unknown>(agent: string): Map<string, S> {
    return this.registry.states<S>(agent);
  }

  /** Per partition of an agent's topics: the next offset below which its group processed everything. */
  private async processedBound(agent: AgentDefinition): Promise<Record<string, number>> {
    const { eventLog } = this.options;
    const groupId = agent.key === 'singleton' ? this.singletonGroupId : this.groupId;
    const bound: Record<string, number> = {};
    for (const topic of topicsOf(agent)) {
      for (let partition = 0; partition < eventLog.partitionsOf(topic); partition++) {
        bound[`${topic}/${partition}`] = (await eventLog.committed(groupId, { topic, partition })) ?? 0;
      }
    }
    return bound;
  }

  /**
   * Pods own ranges of each topic, so a keyed actor's topics must have the same partition count,
   * or one token's events (ticks on one topic, fills on another) would reach different pods.
   */
  private warnIfNotCoPartitioned(): void {
    if (this.options.memberMetadata?.['ordinal'] === undefined) return; // not a sharded pod
    for (const agent of this.options.agents) {
      if (agent.key === 'singleton') continue;
      const counts = topicsOf(agent).map((t) => [t, this.options.eventLog.partitionsOf(t)] as const);
      if (new Set(counts.map(([, n]) => n)).size > 1) {
        this.log.warn(
          { agent: agent.name, partitions: Object.fromEntries(counts) },
          'topics of a keyed agent differ in partition count: fine for one pod, but with several pods one key would be split across them',
        );
      }
    }
  }

  private derivedTopics(): TopicSpec[] {
    const names = new Set<string>();
    for (const agent of this.options.agents) for (const t of topicsOf(agent)) names.add(t);
    for (const t of this.types.all()) names.add(t.topic);
    return [...names].sort().map((name) => ({ name, partitions: 1 }));
  }

  private supervisionEnv(): SupervisionEnv {
    const s = this.settings;
    return {
      clock: this.clock,
      random: this.options.random ?? new SeededRandom(0),
      log: this.log,
      defaultBackoff: { min: s.backoffMinMs, max: s.backoffMaxMs, jitter: s.jitter },
      onRestart: (report) => {
        this.restarts.push(report);
        if (this.restarts.length > 1000) this.restarts.shift();
        this.metrics.restarts.inc({ supervisor: report.supervisor, child: report.child.split(':')[0]! });
        this.log.warn({ ...report }, 'restarting child');
      },
      onGiveUp: (supervisor, error) => {
        this.log.fatal({ supervisor, err: error }, 'root supervisor gave up; stopping the runtime');
        this.state = 'failed';
        void this.stop()
          .catch((err) => this.log.error({ err }, 'stopping after a fatal error failed'))
          .finally(() => this.options.onFatal?.(error));
      },
    };
  }
}
