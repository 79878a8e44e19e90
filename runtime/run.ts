// One run of Regent from a Config: start, pump the feed until it ends, the event count is reached,
// the duration passes or stop() is called; then drain, summarise and stop. The CLI and the specs
// share it.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { PositionState } from '../actors/position/position-math.js';
import type { DeploymentStart } from './deployment.js';
import { createRegent, type Regent } from './main.js';
import { buildSummary, type ExecutionCounters, type RunSummary } from './summary.js';

export interface RunHandle {
  readonly regent: Regent;
  /** What the start found in the stores (a new run, a continued one). */
  readonly deployment: DeploymentStart;
  /** Asks the run to stop feeding; it then drains and summarises. */
  stop(): void;
  readonly done: Promise<RunSummary>;
}

export interface RunOptions {
  readonly logger: Logger;
  readonly onFatal?: (error: Error) => void;
  readonly drainTimeoutMs?: number;
  /** Erase what the stores hold first (`--fresh`; the CLI confirmed it). */
  readonly fresh?: boolean;
}

export async function startRun(config: Config, options: RunOptions): Promise<RunHandle> {
  const regent = createRegent(config, { logger: options.logger, ...(options.onFatal ? { onFatal: options.onFatal } : {}) });
  const { runtime, pump } = regent;
  let deployment: DeploymentStart;
  try {
    deployment = await regent.open({ fresh: options.fresh ?? false });
    await runtime.start();
  } catch (err) {
    await runtime.stop().catch(() => undefined);
    await regent.close().catch(() => undefined);
    throw err;
  }
  let timer: NodeJS.Timeout | undefined;
  if (config.durationSec !== undefined) timer = setTimeout(() => pump.stop(), config.durationSec * 1000);
  const done = (async () => {
    try {
      await pump.run();
      await runtime.whenIdle({ timeoutMs: options.drainTimeoutMs ?? 60_000 });
      return await summarise(regent);
    } finally {
      if (timer) clearTimeout(timer);
      await runtime.stop();
      await regent.close();
    }
  })();
  return { regent, deployment, stop: () => pump.stop(), done };
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
