// One run of Regent from a Config: start, pump the feed until it ends, the event count is reached,
// the duration passes or stop() is called; then drain, summarise and stop, within the shutdown
// deadline (shutdown.ts). The CLI and the specs share it.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { PositionState } from '../actors/position/position-math.js';
import type { DeploymentStart } from './deployment.js';
import { createRegent, type Regent } from './compose.js';
import { ShutdownDeadline, ShutdownIncompleteError, StartInterruptedError } from './shutdown.js';
import { buildSummary, type ExecutionCounters, type RunSummary } from './summary.js';

export interface RunHandle {
  readonly regent: Regent;
  /** What the start found in the stores (a new run, a continued one). */
  readonly deployment: DeploymentStart;
  /** Asks the run to stop feeding; it then drains and summarises within shutdown.deadlineMs. */
  stop(): void;
  /** Gives up the drain now (a second signal): `done` rejects with ShutdownIncompleteError. */
  forceStop(reason: string): void;
  /** The summary; ShutdownIncompleteError if the stop gave up before it finished. */
  readonly done: Promise<RunSummary>;
}

export interface RunOptions {
  readonly logger: Logger;
  readonly onFatal?: (error: Error) => void;
  readonly drainTimeoutMs?: number;
  /** Erase what the stores hold first (`--fresh`; the CLI confirmed it). */
  readonly fresh?: boolean;
  /** Aborted during the start (a signal): the start is abandoned, StartInterruptedError. */
  readonly signal?: AbortSignal;
}

/** How long a stop that gave up waits for the connections to close before it reports anyway. */
const GIVE_UP_CLOSE_MS = 2000;

export async function startRun(config: Config, options: RunOptions): Promise<RunHandle> {
  const regent = createRegent(config, { logger: options.logger, ...(options.onFatal ? { onFatal: options.onFatal } : {}) });
  const { runtime, pump } = regent;
  const opening = (async () => {
    const found = await regent.open({ fresh: options.fresh ?? false });
    await runtime.start();
    return found;
  })();
  let deployment: DeploymentStart;
  try {
    deployment = await unlessAborted(opening, options.signal);
  } catch (err) {
    if (options.signal?.aborted) {
      // Closing the connections ends whatever the start still waits for; then nothing may run.
      const closed = regent.close({ now: true });
      await within(opening.catch(() => undefined), config.shutdown.deadlineMs);
      runtime.kill();
      await within(closed, GIVE_UP_CLOSE_MS);
      throw new StartInterruptedError(String(options.signal.reason ?? 'abort'));
    }
    await runtime.stop().catch(() => undefined);
    await regent.close().catch(() => undefined);
    throw err;
  }

  const shutdown = new ShutdownDeadline(config.shutdown.deadlineMs);
  // The end of the feed (or of --events) is a stop too: from its last chunk the run has the deadline.
  pump.whenFinishing(() => shutdown.begin());
  const stop = () => {
    shutdown.begin();
    pump.stop();
  };
  // A signal that came as the start finished: the run stops before its first event.
  if (options.signal?.aborted) stop();
  let timer: NodeJS.Timeout | undefined;
  if (config.durationSec !== undefined) timer = setTimeout(stop, config.durationSec * 1000);
  let summary: RunSummary | undefined;
  const finishing = (async () => {
    try {
      await pump.run();
      shutdown.begin();
      await runtime.whenIdle({ timeoutMs: options.drainTimeoutMs ?? 60_000 });
      summary = await summarise(regent);
      return summary;
    } finally {
      if (timer) clearTimeout(timer);
      shutdown.begin();
      await runtime.stop();
      await regent.close();
    }
  })();
  const done = (async () => {
    const outcome = await Promise.race([finishing.then((s) => ({ summary: s })), shutdown.passed.then((reason) => ({ reason }))]).catch((err: unknown) => {
      shutdown.finished();
      throw err;
    });
    if ('summary' in outcome) {
      shutdown.finished();
      return outcome.summary;
    }
    finishing.catch(() => undefined); // it ends once the runtime is killed; its failure is this one
    // Counted before anything is closed: what the log holds that the store does not.
    const unstored = await runtime.unstored();
    runtime.kill();
    await within(regent.close({ now: true }), GIVE_UP_CLOSE_MS);
    options.logger.error({ reason: outcome.reason, unstored: unstored && Object.fromEntries(unstored) }, 'stop gave up before it finished');
    throw new ShutdownIncompleteError(outcome.reason, unstored, summary);
  })();
  return { regent, deployment, stop, forceStop: (reason) => shutdown.giveUp(reason), done };
}

export async function summarise(regent: Regent): Promise<RunSummary> {
  const { runtime, config, pump } = regent;
  // Peeked, not only live: a continued run that had nothing left to process never spawned them.
  const execution = await runtime.registry.peek<{ counters: ExecutionCounters }>('execution', 'execution');
  const positions = runtime.states<PositionState>('position');
  for (const token of config.feed.tokens) {
    if (positions.has(token)) continue;
    const state = await runtime.registry.peek<PositionState>('position', token);
    if (state && (state.markPrice !== 0 || state.size !== 0 || state.realizedPnl !== 0)) positions.set(token, state);
  }
  return buildSummary({
    seed: config.seed,
    feedEvents: pump.produced,
    published: await publishedCounts(runtime),
    ...(await regent.storedCounts().then((counts) => (counts ? { stored: counts } : {}))),
    topics: [...runtime.types.all().map((t) => t.topic), ...runtime.types.all().map((t) => `${t.topic}.dlq`)].filter((t, i, all) => all.indexOf(t) === i),
    positions,
    execution: execution?.counters,
    restarts: runtime.restarts,
  });
}

/** What this run published per topic, dead letters counted under `<topic>.dlq`. */
async function publishedCounts(runtime: Regent['runtime']): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const add = (topic: string, n: number) => counts.set(topic, (counts.get(topic) ?? 0) + n);
  for (const v of (await runtime.metrics.published.get()).values) add(String(v.labels.topic), v.value);
  for (const v of (await runtime.metrics.deadLetters.get()).values) add(`${String(v.labels.topic)}.dlq`, v.value);
  return counts;
}

/** The promise's outcome, or a rejection as soon as `signal` aborts. */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Waits for `promise` at most `ms`; true when it settled in time. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = promise.then(
    () => true,
    () => true,
  );
  const result = await Promise.race([settled, late]);
  clearTimeout(timer);
  return result;
}
