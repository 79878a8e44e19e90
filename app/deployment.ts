// Decides, before anything runs, what a start does with the stores it finds: a fresh deployment
// records its run; the same run started again continues where the stores stopped (the in-process
// log is restored from the event store); stores holding something else are refused with a clear
// message and the flag that erases them (`--fresh`). A run never silently does nothing.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { planLogRestore } from './event-log-restore.js';
import type { DeploymentStore, StoredRun } from '../runtime/ports/deployment-store.js';
import type { EventLog, RestorableLog, TopicSpec } from '../runtime/ports/event-log.js';
import type { EventStore } from '../runtime/ports/event-store.js';
import type { StateStore } from '../runtime/ports/state-store.js';

/** The stores hold something this start cannot continue: exit 2, naming `--fresh`. */
export class DeploymentConflictError extends Error {
  override readonly name = 'DeploymentConflictError';
  readonly exitCode = 2;
}

export interface DeploymentPorts {
  readonly eventLog: EventLog;
  /** Set when the log keeps nothing by itself (the in-process log): it is restored from the store. */
  readonly restorable?: RestorableLog;
  readonly eventStore?: EventStore;
  readonly deployments?: DeploymentStore;
  readonly stateStore: StateStore;
  /** Where the stores are, for messages (`postgres schema regent`, `redis prefix regent:`). */
  readonly where: string;
  /** Erases caches that belong to the deployment (the Redis portfolio cache), on `--fresh`. */
  readonly clearCaches?: () => Promise<number>;
}

export interface DeploymentOptions {
  /** The settings that decide what the feed produces: a stored run must have the same. */
  readonly fingerprint: Readonly<Record<string, unknown>>;
  /** Topics the store writer persists (the log restores these). */
  readonly topics: readonly TopicSpec[];
  readonly storeGroupId: string;
  /** Erase everything stored first (the CLI asked for confirmation). */
  readonly fresh: boolean;
  /**
   * A backtest answering the model from an earlier run's stored decisions (llm.replay 'store'):
   * it reads that run's store as it is and continues nothing.
   */
  readonly replaysStore?: boolean;
  readonly log: Logger;
}

export interface DeploymentStart {
  readonly mode: 'fresh' | 'continue' | 'ephemeral';
  /** One line for the person at the terminal. */
  readonly message: string;
  readonly run?: StoredRun;
}

const FRESH_HINT = 'start afresh with --fresh (it erases the stored events, offsets, orders, audit records and snapshots of this deployment)';

export async function openDeployment(ports: DeploymentPorts, options: DeploymentOptions): Promise<DeploymentStart> {
  const { eventStore, deployments, stateStore } = ports;
  if (options.fresh) {
    const erased = await erase(ports);
    options.log.warn({ where: ports.where, ...erased }, 'erased the stored run (--fresh)');
  }
  if (options.replaysStore) return { mode: 'ephemeral', message: `replaying the model answers recorded in ${ports.where}` };
  if (!eventStore || !deployments) {
    const snapshots = await snapshotCount(stateStore, options.log);
    if (snapshots > 0 && ports.restorable) {
      throw new DeploymentConflictError(
        `${ports.where} holds ${snapshots} actor snapshot(s) of an earlier run, but without --store postgres the in-process log starts empty, ` +
          `so that run cannot be continued. Add --store postgres to keep a run across restarts, or ${FRESH_HINT}.`,
      );
    }
    return { mode: ports.restorable ? 'ephemeral' : 'continue', message: ports.restorable ? 'in-memory run: nothing survives a restart' : 'continuing from the log' };
  }
  await eventStore.migrate();
  const stored = await deployments.read();
  if (!stored) {
    const events = [...(await eventStore.countByTopic()).values()].reduce((a, b) => a + b, 0);
    const snapshots = await snapshotCount(stateStore, options.log);
    if (events > 0 || snapshots > 0) {
      throw new DeploymentConflictError(
        `${ports.where} holds ${events} event(s) and ${snapshots} snapshot(s) written without a run record (an older version, or another program): ` +
          `Regent cannot tell which run they belong to. Use another schema / key prefix, or ${FRESH_HINT}.`,
      );
    }
    const run: StoredRun = { logId: ports.restorable ? randomUUID() : ports.eventLog.lineage().id, fingerprint: options.fingerprint, startedAt: Date.now() };
    await deployments.write(run);
    if (ports.restorable) ports.restorable.restore({ lineageId: run.logId, partitions: [], commits: new Map() });
    return { mode: 'fresh', message: `new run recorded in ${ports.where}`, run };
  }
  const differences = differingSettings(stored.fingerprint, options.fingerprint);
  if (differences.length > 0) {
    throw new DeploymentConflictError(
      `${ports.where} holds a run started ${new Date(stored.startedAt).toISOString()} with other settings (${differences.join('; ')}). ` +
        `Start it again with the same settings to continue it, use another schema / key prefix, or ${FRESH_HINT}.`,
    );
  }
  if (!ports.restorable && stored.logId !== ports.eventLog.lineage().id) {
    throw new DeploymentConflictError(`${ports.where} holds a run on log ${stored.logId}, and this log is ${ports.eventLog.lineage().id}. Point Regent at that log, or ${FRESH_HINT}.`);
  }
  const counts = await eventStore.countByTopic();
  const events = [...counts.values()].reduce((a, b) => a + b, 0);
  let restored = 0;
  if (ports.restorable) {
    await ports.eventLog.createTopics(options.topics);
    const plan = await planLogRestore({
      store: eventStore,
      lineageId: stored.logId,
      topics: options.topics,
      storeGroupId: options.storeGroupId,
      appliedFloor: await stateStore.appliedFloor().catch((err: unknown) => {
        // Redis down: actors will rebuild from the store; deliver from what the groups committed.
        options.log.warn({ err }, 'snapshots unreadable at start; restoring the log from the group commits');
        return new Map<string, number>();
      }),
    });
    ports.restorable.restore(plan);
    restored = plan.restoredRecords;
  }
  const message =
    `continuing the run started ${new Date(stored.startedAt).toISOString()} (${ports.where}): ${events.toLocaleString('en-US')} events stored` +
    (ports.restorable ? `; the log goes on from the stored offsets, ${restored.toLocaleString('en-US')} record(s) not yet processed by every group are delivered again` : '');
  options.log.info({ where: ports.where, events, restored, logId: stored.logId }, 'continuing a stored run');
  return { mode: 'continue', message, run: stored };
}

/** Snapshots in the state store; a store that cannot be reached counts none (the runtime reports it degraded). */
async function snapshotCount(stateStore: StateStore, log: Logger): Promise<number> {
  try {
    return await stateStore.count();
  } catch (err) {
    log.warn({ err }, 'state store unreachable at start; its snapshots are not checked');
    return 0;
  }
}

async function erase(ports: DeploymentPorts): Promise<{ snapshots: number; cacheKeys: number }> {
  await ports.deployments?.erase();
  const snapshots = await ports.stateStore.clear();
  const cacheKeys = (await ports.clearCaches?.()) ?? 0;
  return { snapshots, cacheKeys };
}

/** `path: stored -> wanted` for every setting that differs. */
export function differingSettings(stored: Readonly<Record<string, unknown>>, wanted: Readonly<Record<string, unknown>>): string[] {
  const out: string[] = [];
  for (const key of [...new Set([...Object.keys(stored), ...Object.keys(wanted)])].sort()) {
    const a = JSON.stringify(stored[key]);
    const b = JSON.stringify(wanted[key]);
    if (a !== b) out.push(`${key}: stored ${a ?? 'unset'}, asked ${b ?? 'unset'}`);
  }
  return out;
}
