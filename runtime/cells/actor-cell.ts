// An actor cell is Regent's side of one actor (`position:SOL`): the last good state, the offsets it
// has applied, the deliveries handed to its nact actor, and a stash for while it is starting,
// restarting or stopped. nact runs the mailbox; the cell commits state per event, so a crash in
// the middle of a batch loses nothing that was already applied and publishes nothing it should not.
import type { Logger } from 'pino';
import type { AgentDefinition } from '../agent/agent.js';
import { actorIdOf } from '../agent/agent.js';
import { createAgentContext, createRecoveryContext, type PipedTask } from '../agent/agent-context.js';
import type { Delivery } from '../intake/delivery.js';
import type { Envelope } from '../events/envelope.js';
import type { RuntimeMetrics } from '../observe/metrics.js';
import { dispatchTo, spawnActor, stopActor, type NactRef } from './nact-host.js';
import type { Publisher } from '../intake/publisher.js';
import { AppliedLog } from './applied-offsets.js';
import { rehydrate, saveSnapshot, SNAPSHOT_VERSION, type RehydrationEnv } from './rehydration.js';
import type { Snapshot } from '../ports/state-store.js';
import type { ChildLink, RunningChild } from '../ports/supervision.js';
import { systemClock, type RuntimeClock } from '../ports/clock.js';
import { isThenable } from '../kit/thenable.js';

export interface CellEnv extends RehydrationEnv {
  readonly publisher: Publisher;
  readonly metrics: RuntimeMetrics;
  readonly log: Logger;
  readonly snapshotEvery: number;
  readonly maxMessageRetries: number;
  readonly topicOf: (type: string) => string;
  /**
   * Resolves true once a snapshot taken now is safe to keep (the in-process log with a store: the
   * store holds everything logged so far); false when it did not get there in time.
   */
  readonly snapshotGate?: () => Promise<boolean>;
  /** Told when piped work has ended (whoever waits for the runtime to go idle). */
  readonly pipedDone?: () => void;
  /** Shown the time of every event the actor has processed (the runtime's event-time clock). */
  readonly eventTime?: { observe(ts: number): void };
}

export type CellStatus = 'new' | 'starting' | 'running' | 'stopping' | 'stopped' | 'restarting' | 'dead';

export class ActorCell<S = unknown> implements RunningChild {
  readonly id: string;
  status: CellStatus = 'new';
  /** Events waiting in the mailbox or the stash. */
  depth = 0;
  /** When the actor was last told something (its clock's wall time); passivation goes by it. */
  lastActive: number;
  private state: S | undefined;
  private hydrated = false;
  private applied = new AppliedLog();
  private lastEventId: string | undefined;
  private queue: Delivery[] = [];
  private stash: Delivery[] = [];
  private ref: NactRef | undefined;
  private link: ChildLink | undefined;
  private incarnation = 0;
  private sinceSnapshot = 0;
  /** Resolves once everything this actor emitted so far is published; snapshots wait for it. */
  private published: Promise<unknown> = Promise.resolve();
  private pendingSnapshot: Snapshot | undefined;
  private saving: Promise<boolean> | undefined;
  /** Whether the last snapshot attempt was saved (a passivated actor needs one). */
  snapshotSaved = false;
  private inProgress: Promise<unknown> | undefined;
  /** Piped tasks started and not yet published. */
  private pipedRunning = 0;
  /** Why the actor is to vanish once the event in hand is applied (see killAfterThisEvent). */
  private killRequest: string | undefined;
  private readonly clock: RuntimeClock;

  constructor(
    readonly agent: AgentDefinition<S>,
    readonly key: string,
    private readonly env: CellEnv,
  ) {
    this.id = actorIdOf(agent.name, key);
    this.clock = env.clock ?? systemClock;
    this.lastActive = this.clock.now();
  }

  /** The last good state (undefined before the first start). */
  currentState(): S | undefined {
    return this.state;
  }

  /** Whether this actor has applied records from a partition (`topic/partition`). */
  hasApplied(partitionKey: string): boolean {
    return this.applied.hasPartition(partitionKey);
  }

  get pipedWork(): number {
    return this.pipedRunning;
  }

  /** No message waiting or in progress, and no piped work still running (its result is still to come). */
  isIdle(): boolean {
    return this.queue.length === 0 && this.stash.length === 0 && this.inProgress === undefined && this.pipedRunning === 0;
  }

  tell(delivery: Delivery): void {
    this.depth += delivery.remaining;
    this.lastActive = this.clock.now();
    if (this.status === 'running') {
      this.queue.push(delivery);
      dispatchTo(this.ref!, delivery);
    } else if (this.status === 'dead') {
      this.deadLetterRest(delivery, 'actor-terminated', `${this.id} has terminated`);
    } else {
      this.stash.push(delivery);
    }
  }

  async start(link: ChildLink): Promise<this> {
    this.link = link;
    this.status = 'starting';
    const incarnation = ++this.incarnation;
    await this.hydrate();
    if (incarnation !== this.incarnation) return this;
    await this.recover();
    if (incarnation !== this.incarnation) return this;
    this.ref = spawnActor<null, Delivery>({
      parent: link.parentRef,
      name: this.id,
      initialState: null,
      handle: (_, delivery) => this.process(delivery, incarnation),
      onCrash: (delivery, error) => this.crashed(delivery, error, incarnation),
    });
    this.status = 'running';
    const stashed = this.stash;
    this.stash = [];
    for (const delivery of stashed) {
      if (delivery.remaining === 0) {
        this.complete(delivery);
        continue;
      }
      this.queue.push(delivery);
      dispatchTo(this.ref, delivery);
    }
    return this;
  }

  /** Graceful stop: lets the event in progress finish, keeps the rest stashed, saves a snapshot. */
  async stop(reason: string): Promise<void> {
    if (this.status === 'restarting') {
      this.status = this.agent.supervision?.restart === 'temporary' ? 'dead' : 'stopped';
      if (this.status === 'dead') this.deadLetterStash(`${this.id} crashed and is not restarted`);
      return;
    }
    if (this.status !== 'running' && this.status !== 'starting') return;
    const wasRunning = this.status === 'running';
    const incarnation = this.incarnation;
    this.status = 'stopping';
    if (this.inProgress) await this.inProgress.catch(() => undefined);
    // Killed after a shutdown timeout and perhaps restarted meanwhile: that is not ours to stop.
    if (incarnation !== this.incarnation) return;
    this.detach();
    this.status = 'stopped';
    if (wasRunning && this.hydrated) {
      this.snapshotSaved = await this.snapshot().catch((err) => {
        this.env.log.error({ err, actor: this.id, reason }, 'snapshot on stop failed');
        return false;
      });
    }
  }

  /** Brutal stop after the shutdown timeout: the event in progress is abandoned and redone later. */
  kill(): void {
    this.detach();
    this.status = 'stopped';
  }

  /**
   * Saves a snapshot of the state as it is now, once everything emitted up to now is published: a
   * snapshot must never claim an event whose output could still be lost, or a successor would
   * skip that event as already applied. A StateStore that is down marks the runtime degraded.
   * Resolves whether it was saved.
   */
  async snapshot(): Promise<boolean> {
    this.sinceSnapshot = 0;
    const lineage = this.env.lineage();
    this.pendingSnapshot = {
      state: this.state,
      ...this.applied.toSnapshot(),
      ...(this.lastEventId !== undefined ? { lastEventId: this.lastEventId } : {}),
      version: SNAPSHOT_VERSION,
      log: { id: lineage.id, epoch: lineage.epoch },
      at: this.clock.now(),
    };
    // One save at a time, the latest state winning: an older snapshot never overwrites a newer one.
    this.saving ??= this.saveSnapshots().finally(() => {
      this.saving = undefined;
    });
    return this.saving;
  }

  private async saveSnapshots(): Promise<boolean> {
    let saved = false;
    while (this.pendingSnapshot) {
      const snapshot = this.pendingSnapshot;
      this.pendingSnapshot = undefined;
      try {
        await this.published;
      } catch {
        saved = false; // the publish failed: this state is not safe to record
        continue;
      }
      if (this.env.snapshotGate && !(await this.env.snapshotGate())) {
        saved = false;
        continue;
      }
      saved = await saveSnapshot(this.env, this.id, snapshot);
    }
    return saved;
  }

  private detach(): void {
    this.incarnation++;
    if (this.ref) stopActor(this.ref);
    this.ref = undefined;
    this.stash = [...this.queue, ...this.stash];
    this.queue = [];
    this.inProgress = undefined;
  }

  /** Snapshot + events after it on the first start; on a restart, the same path up to what it had applied. */
  private async hydrate(): Promise<void> {
    const live = this.hydrated ? { state: this.state as S, applied: this.applied } : undefined;
    const result = await rehydrate(this.agent, this.key, this.id, this.env, live);
    this.state = result.state;
    this.applied = result.applied;
    this.hydrated = true;
    if (result.replayed > 0) this.env.log.info({ actor: this.id, source: result.source, replayed: result.replayed }, 'rehydrated');
  }

  /** The agent's own reconciliation, before any message; its emits are published and a snapshot taken. */
  private async recover(): Promise<void> {
    const recover = this.agent.recover;
    if (!recover) return;
    const outbox: Envelope[] = [];
    const recovered = await recover(this.state as S, createRecoveryContext(this.id, this.key, this.agent.name, outbox, this.env.log, this.clock));
    // Kept only once what it emitted is published: a failed publish fails the start, and the next
    // start recovers again from the state before, emitting again.
    if (outbox.length > 0) await this.env.publisher.publish(outbox);
    this.state = recovered;
    await this.snapshot();
  }

  private async process(delivery: Delivery, incarnation: number): Promise<null> {
    const { agent, env } = this;
    while (delivery.next < delivery.events.length) {
      if (incarnation !== this.incarnation || this.status !== 'running') return null;
      const event = delivery.events[delivery.next]!;
      const position = delivery.positions[delivery.next];
      if (this.applied.has(event, position)) {
        env.eventTime?.observe(event.ts);
        env.metrics.duplicates.inc({ agent: agent.name });
        this.advance(delivery);
        continue;
      }
      const outbox: Envelope[] = [];
      const tasks: PipedTask[] = [];
      const ctx = createAgentContext(this.id, this.key, agent.name, event, outbox, env.log, false, tasks);
      const started = this.clock.elapsed();
      this.killRequest = undefined;
      let next = agent.handle(this.state as S, event, ctx);
      if (isThenable(next)) {
        this.inProgress = next;
        next = await next;
        this.inProgress = undefined;
        if (incarnation !== this.incarnation) return null;
      }
      env.metrics.handlerSeconds.observe({ agent: agent.name }, (this.clock.elapsed() - started) / 1000);
      this.state = next as S;
      this.applied.mark(event, position);
      this.lastEventId = event.id;
      env.eventTime?.observe(event.ts);
      if (outbox.length > 0) {
        const publish = env.publisher.publish(outbox);
        delivery.track(publish);
        const before = this.published;
        this.published = publish.then(() => before);
        this.published.catch(() => undefined); // handled here; snapshot() still sees a failure
      }
      for (const task of tasks) this.runTask(task);
      this.advance(delivery);
      if (++this.sinceSnapshot >= (agent.snapshotEvery ?? env.snapshotEvery)) {
        this.snapshot().catch((err) => env.log.error({ err, actor: this.id }, 'periodic snapshot failed'));
      }
      if (this.killRequest !== undefined) {
        this.killed(incarnation, this.killRequest);
        return null;
      }
    }
    this.queue.shift();
    this.complete(delivery);
    return null;
  }

  /** Runs piped work; its result event is published like an emit, a failure is logged and counted. */
  private runTask(task: PipedTask): void {
    const { env, agent } = this;
    this.pipedRunning += 1;
    task()
      .then((envelope) => env.publisher.publish([envelope]))
      .catch((err: unknown) => {
        env.metrics.failed.inc({ topic: agent.name, reason: 'piped-task-failed' });
        env.log.error({ err, actor: this.id }, 'piped work failed; its result is not recorded');
      })
      .finally(() => {
        this.pipedRunning -= 1;
        env.pipedDone?.();
      });
  }

  private advance(delivery: Delivery): void {
    delivery.next++;
    delivery.attempts = 0;
    this.depth--;
  }

  private crashed(delivery: Delivery, error: unknown, incarnation: number): void {
    if (incarnation !== this.incarnation) return;
    const err = error instanceof Error ? error : new Error(String(error));
    this.incarnation++;
    this.ref = undefined;
    this.inProgress = undefined;
    this.status = 'restarting';
    const event = delivery.events[delivery.next];
    const position = delivery.positions[delivery.next];
    const topic = position?.topic ?? (event ? this.env.topicOf(event.type) : 'unknown');
    this.env.metrics.failed.inc({ topic, reason: 'handler-error' });
    delivery.attempts++;
    const attempt = delivery.attempts;
    this.env.log.warn(
      { actor: this.id, err, eventId: event?.id, correlationId: event?.correlationId, attempt },
      'handler crashed',
    );
    if (event && attempt > this.maxRetries()) {
      delivery.track(this.env.publisher.deadLetter({
        topic,
        reason: 'handler-failed',
        detail: `${err.name}: ${err.message} (after ${attempt} attempts)`,
        original: event,
        actor: this.id,
        ...(position ? { partition: position.partition, offset: position.offset } : {}),
        ...(event.token !== undefined ? { key: event.token } : {}),
      }));
      this.applied.markPosition(position);
      this.advance(delivery);
    }
    this.stash = [...this.queue, ...this.stash];
    this.queue = [];
    if (delivery.remaining === 0) {
      this.stash.splice(this.stash.indexOf(delivery), 1);
      this.complete(delivery);
    }
    this.link?.failed(err, { ...(event ? { messageId: event.id } : {}), attempt });
  }

  /**
   * Asks the actor to vanish right after the event it is handling is applied, as if its process
   * died there (a handler interceptor's chaos, an operator). Unlike a crash, no message is to
   * blame; the supervisor restarts it and it rehydrates like any restarted actor.
   */
  killAfterThisEvent(why: string): void {
    this.killRequest = why;
  }

  private killed(incarnation: number, why: string): void {
    if (incarnation !== this.incarnation) return;
    this.detach();
    this.status = 'restarting';
    this.env.log.warn({ actor: this.id }, 'actor killed');
    this.link?.failed(new Error(why));
  }

  private maxRetries(): number {
    return this.agent.supervision?.maxMessageRetries ?? this.env.maxMessageRetries;
  }

  private complete(delivery: Delivery): void {
    delivery.finish();
    delivery.done.catch((err) => {
      // Not acknowledged: the partition's commit stops here, visibly, rather than losing output.
      this.env.log.error({ err, actor: this.id }, 'publishing emitted events failed; delivery not acknowledged');
      this.env.metrics.failed.inc({ topic: 'publish', reason: 'publish-error' });
    });
  }

  private deadLetterRest(delivery: Delivery, reason: string, detail: string): void {
    while (delivery.next < delivery.events.length) {
      const event = delivery.events[delivery.next]!;
      const position = delivery.positions[delivery.next];
      delivery.track(
        this.env.publisher.deadLetter({
          topic: position?.topic ?? this.env.topicOf(event.type),
          reason,
          detail,
          original: event,
          actor: this.id,
          ...(position ? { partition: position.partition, offset: position.offset } : {}),
        }),
      );
      this.advance(delivery);
    }
    this.complete(delivery);
  }

  private deadLetterStash(detail: string): void {
    const stashed = this.stash;
    this.stash = [];
    for (const d of stashed) this.deadLetterRest(d, 'actor-terminated', detail);
  }
}

