// A supervisor is a small interpreter of its child specs (after OTP's supervisor module): it starts
// children in order, stops them in reverse, restarts failed ones by strategy with exponential
// backoff, and gives up (stops everything and fails to its parent) past its restart intensity.
// Each supervisor owns a nact actor so the nact tree mirrors the supervision tree.
import type { Logger } from 'pino';
import type { RuntimeClock, Timer } from '../ports/clock.js';
import type { Random } from '../ports/random.js';
import { spawnActor, stopActor, type NactRef } from '../cells/nact-host.js';
import { backoffDelay } from './backoff.js';
import {
  EscalationError,
  type BackoffSpec,
  type ChildLink,
  type ChildSpec,
  type FailureDetail,
  type RunningChild,
  type Shutdown,
  type SupervisorFlags,
} from '../ports/supervision.js';
import { RestartIntensity } from './restart-intensity.js';

export interface RestartReport {
  readonly supervisor: string;
  readonly child: string;
  readonly reason: string;
  readonly messageId?: string;
  readonly attempt: number;
  readonly delayMs: number;
  readonly at: number;
}

/** What every supervisor of one runtime shares. */
export interface SupervisionEnv {
  /** Dates restarts and times backoff sleeps and shutdown limits. */
  readonly clock: RuntimeClock;
  readonly random: Random;
  readonly log: Logger;
  readonly defaultBackoff: BackoffSpec;
  onRestart(report: RestartReport): void;
  onGiveUp(supervisor: string, error: Error): void;
}

type ChildStatus = 'stopped' | 'starting' | 'running' | 'failed' | 'stopping';

interface ChildEntry {
  readonly spec: ChildSpec;
  status: ChildStatus;
  handle?: RunningChild;
  readonly attempts: RestartIntensity;
  /** Bumped on every (re)start, so a late report from an earlier incarnation is ignored (as the actor cell does). */
  incarnation: number;
}

export class Supervisor implements RunningChild {
  private readonly children: ChildEntry[] = [];
  private readonly intensity: RestartIntensity;
  private ref?: NactRef;
  private link?: ChildLink;
  private work: Promise<void> = Promise.resolve();
  /** Pending backoff sleeps; stopping the supervisor cuts them short. */
  private readonly sleeps = new Map<Timer, () => void>();
  private state: 'idle' | 'running' | 'stopping' | 'stopped' | 'failed' = 'idle';

  constructor(
    readonly name: string,
    readonly flags: SupervisorFlags,
    specs: readonly ChildSpec[],
    private readonly env: SupervisionEnv,
  ) {
    if (flags.strategy === 'simple_one_for_one' && specs.length > 0) {
      throw new Error(`supervisor ${name}: simple_one_for_one starts its children on demand, none at start`);
    }
    this.intensity = new RestartIntensity(flags.intensity, flags.period);
    for (const spec of specs) this.children.push(this.entry(spec));
  }

  /** This supervisor as a child of another (its `start` attaches it under the parent); it waits for its subtree to stop. */
  asChildSpec(): ChildSpec {
    return { id: this.name, start: (link) => this.start(link), restart: 'permanent', shutdown: 'infinity', type: 'supervisor' };
  }

  /** Starts under a parent link, or as a root under a nact system ref. */
  async start(parent: ChildLink | NactRef): Promise<this> {
    const parentRef = isLink(parent) ? parent.parentRef : parent;
    this.link = isLink(parent) ? parent : undefined;
    this.ref = spawnActor<null, never>({
      parent: parentRef,
      name: this.name,
      initialState: null,
      handle: (s) => s,
    });
    this.state = 'running';
    this.intensity.reset();
    // Serialised with restarts, add() and stop(), so a child is never started twice nor missed.
    await this.serial(async () => {
      for (const child of this.children) {
        if (this.state !== 'running') break;
        if (child.status === 'stopped') await this.startChild(child);
      }
    });
    return this;
  }

  /** Adds and starts a child at runtime (children on demand). */
  async add(spec: ChildSpec): Promise<void> {
    if (this.children.some((c) => c.spec.id === spec.id)) throw new Error(`${this.name}: child ${spec.id} exists`);
    const entry = this.entry(spec);
    this.children.push(entry);
    if (this.state === 'running') {
      await this.serial(async () => {
        if (entry.status === 'stopped' && this.children.includes(entry)) await this.startChild(entry);
      });
    }
  }

  /** Stops a child and forgets it; it is not restarted (passivation, temporary work). */
  async remove(id: string): Promise<void> {
    await this.serial(async () => {
      const entry = this.children.find((c) => c.spec.id === id);
      if (!entry) return;
      await this.stopChild(entry, 'removed');
      this.children.splice(this.children.indexOf(entry), 1);
    });
  }

  has(id: string): boolean {
    return this.children.some((c) => c.spec.id === id);
  }

  childIds(): string[] {
    return this.children.map((c) => c.spec.id);
  }

  /** The tree below this supervisor, for logs and the dashboard. */
  describe(): SupervisorDescription {
    return {
      name: this.name,
      ...this.flags,
      state: this.state,
      children: this.children.map((c) =>
        c.handle instanceof Supervisor
          ? c.handle.describe()
          : { id: c.spec.id, type: c.spec.type, restart: c.spec.restart, shutdown: c.spec.shutdown, status: c.status },
      ),
    };
  }

  async stop(reason = 'shutdown'): Promise<void> {
    if (this.state === 'stopped' || this.state === 'idle') return;
    this.state = 'stopping';
    for (const [timer, wake] of this.sleeps) {
      timer.cancel();
      wake();
    }
    this.sleeps.clear();
    await this.serial(() => this.stopAll(reason));
    if (this.ref) stopActor(this.ref);
    this.state = 'stopped';
  }

  private entry(spec: ChildSpec): ChildEntry {
    // Backoff grows with restarts close together and falls back once the child has stayed up a
    // while (a few maximum delays), so one crash an hour never waits the maximum.
    const backoff = spec.backoff ?? this.env.defaultBackoff;
    const window = Math.max(1000, backoff.max * 4);
    return { spec, status: 'stopped', attempts: new RestartIntensity(Number.MAX_SAFE_INTEGER, window), incarnation: 0 };
  }

  private serial(step: () => Promise<void>): Promise<void> {
    const run = this.work.then(step);
    this.work = run.catch((e) => this.env.log.error({ err: e, supervisor: this.name }, 'supervisor step failed'));
    return run;
  }

  private linkFor(entry: ChildEntry): ChildLink {
    const incarnation = entry.incarnation;
    const current = () => entry.incarnation === incarnation && entry.status === 'running';
    return {
      childId: entry.spec.id,
      parentRef: this.ref!,
      failed: (error, detail) => {
        if (!current()) return;
        entry.status = 'failed';
        void this.serial(() => this.onChildFailed(entry, error, detail ?? {}));
      },
      exited: () => {
        if (!current()) return;
        entry.status = 'stopped';
        void this.serial(() => this.onChildExited(entry));
      },
    };
  }

  private async startChild(entry: ChildEntry): Promise<void> {
    entry.incarnation++;
    entry.status = 'starting';
    try {
      entry.handle = await entry.spec.start(this.linkFor(entry));
      if (entry.status === 'starting') entry.status = 'running';
    } catch (error) {
      entry.status = 'failed';
      void this.serial(() => this.onChildFailed(entry, asError(error), {}));
    }
  }

  private async stopChild(entry: ChildEntry, reason: string): Promise<void> {
    const handle = entry.handle;
    const wasLive = entry.status === 'running' || entry.status === 'starting';
    const crashed = entry.status === 'failed';
    entry.incarnation++;
    entry.status = 'stopping';
    if (handle && (wasLive || crashed)) await this.stopWithin(entry, handle, crashed ? 'crashed' : reason);
    entry.status = 'stopped';
  }

  /** Stops a child gracefully, or kills it once its `shutdown` time has passed (never, for `infinity`). */
  private async stopWithin(entry: ChildEntry, handle: RunningChild, reason: string): Promise<void> {
    const stopped = handle.stop(reason).then(
      () => 'stopped' as const,
      (err) => {
        this.env.log.error({ err, supervisor: this.name, child: entry.spec.id }, 'child failed to stop');
        return 'stopped' as const;
      },
    );
    const limit = entry.spec.shutdown;
    if (limit === 'infinity') {
      await stopped;
      return;
    }
    let timer: Timer | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = this.env.clock.after(limit, () => resolve('timeout'));
    });
    const result = await Promise.race([stopped, timedOut]);
    timer?.cancel();
    if (result === 'timeout') {
      this.env.log.warn({ supervisor: this.name, child: entry.spec.id, shutdownMs: entry.spec.shutdown }, 'child did not stop in time; killed');
      handle.kill?.();
    }
  }

  /** Brutal stop of the whole subtree (after this supervisor's own shutdown time ran out). */
  kill(): void {
    this.state = 'stopped';
    for (const [timer, wake] of this.sleeps) {
      timer.cancel();
      wake();
    }
    this.sleeps.clear();
    for (const entry of [...this.children].reverse()) {
      entry.incarnation++;
      entry.status = 'stopped';
      entry.handle?.kill?.();
    }
    if (this.ref) stopActor(this.ref);
  }

  private async stopAll(reason: string): Promise<void> {
    for (const entry of [...this.children].reverse()) await this.stopChild(entry, reason);
  }

  private async onChildExited(entry: ChildEntry): Promise<void> {
    if (entry.spec.restart === 'permanent') await this.restart(entry, new Error('exited'), {});
    else this.children.splice(this.children.indexOf(entry), 1);
  }

  private async onChildFailed(entry: ChildEntry, error: Error, detail: FailureDetail): Promise<void> {
    if (this.state !== 'running' || entry.status !== 'failed') return;
    if (entry.spec.restart === 'temporary') {
      this.env.log.warn({ supervisor: this.name, child: entry.spec.id, err: error }, 'temporary child failed; not restarted');
      this.children.splice(this.children.indexOf(entry), 1);
      await entry.handle?.stop('failed');
      return;
    }
    await this.restart(entry, error, detail);
  }

  private async restart(entry: ChildEntry, error: Error, detail: FailureDetail): Promise<void> {
    const now = this.env.clock.now();
    if (!this.intensity.record(now)) return this.giveUp(error);
    entry.attempts.record(now);
    const attempt = entry.attempts.recent(now);
    const delayMs = backoffDelay(entry.spec.backoff ?? this.env.defaultBackoff, attempt, this.env.random);
    const report: RestartReport = {
      supervisor: this.name,
      child: entry.spec.id,
      reason: error.message,
      messageId: detail.messageId,
      attempt,
      delayMs,
      at: now,
    };
    this.env.onRestart(report);

    const index = this.children.indexOf(entry);
    const group =
      this.flags.strategy === 'one_for_one' || this.flags.strategy === 'simple_one_for_one'
        ? [entry]
        : this.flags.strategy === 'one_for_all'
          ? [...this.children]
          : this.children.slice(index);
    for (const sibling of [...group].reverse()) if (sibling !== entry) await this.stopChild(sibling, `restart of ${entry.spec.id}`);
    if (entry.handle) await this.stopWithin(entry, entry.handle, 'crashed');
    if (this.state !== 'running') return;
    await this.sleep(delayMs);
    for (const child of group) {
      if (this.state !== 'running') return;
      if (this.children.includes(child)) await this.startChild(child);
    }
  }

  private async giveUp(error: Error): Promise<void> {
    const escalation = new EscalationError(this.name, this.flags.intensity, this.flags.period, error);
    this.env.log.error({ supervisor: this.name, err: error }, 'restart intensity exceeded; stopping children and escalating');
    this.state = 'failed';
    await this.stopAll('supervisor gave up');
    if (this.ref) stopActor(this.ref);
    if (this.link) this.link.failed(escalation);
    else this.env.onGiveUp(this.name, escalation);
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return new Promise((resolve) => setImmediate(resolve));
    return new Promise((resolve) => {
      const timer = this.env.clock.after(ms, () => {
        this.sleeps.delete(timer);
        resolve();
      });
      this.sleeps.set(timer, resolve);
    });
  }
}

export interface SupervisorDescription extends SupervisorFlags {
  readonly name: string;
  readonly state: string;
  readonly children: ReadonlyArray<SupervisorDescription | { id: string; type: string; restart: string; shutdown: Shutdown; status: string }>;
}

function isLink(x: ChildLink | NactRef): x is ChildLink {
  return typeof (x as ChildLink).failed === 'function';
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
