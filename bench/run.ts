// `npm run bench`: every figure of the runtime core in one run, each next to the raw nact baseline
// measured in the same process. Figures only; nothing here is asserted.
import { rawNactThroughput } from './raw-nact.js';
import { pipelineThroughput, tickToRiskLatency, type LatencyResult } from './pipeline.js';
import { kafkaLatency, kafkaThroughput } from './kafka.js';
import { cliLogUnavailable, cliRun, type CliLog, type CliRunResult } from './cli-run.js';
import { BenchStores, ingestRate, rehydrationTime, replayRate, restartToReady } from './store.js';
import { executionInMemory, executionOnPostgres, hyperliquidSigning } from './execution.js';
import { decodeCost } from './decode.js';
import { handWiredThroughput } from './limit.js';
import { withGcShare } from './gc-share.js';
import { profiled } from './cpu-profile.js';
import { idleActorMemory } from './idle-actors.js';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function progress(step: string): void {
  process.stderr.write(`bench: ${step}...\n`);
}

/** Ingest, replay and rehydration figures in one throwaway schema, removed whatever happens. */
async function storeFigures(ingestCount: number) {
  const stores = await BenchStores.open();
  try {
    const ingest = await ingestRate(stores, ingestCount, 1000);
    progress('event store replay (full range, then one token)');
    const replayAll = await replayRate(stores, 'all');
    const replayToken = await replayRate(stores, 'token');
    progress(`rehydrate one actor with ${fmt(ingest.perToken)} events, without a snapshot`);
    const fullReplay = await rehydrationTime(stores, ingest.perToken);
    progress(`rehydrate one actor with ${fmt(ingest.perToken)} events, from a snapshot 100 events before the end`);
    const fromSnapshot = await rehydrationTime(stores, ingest.perToken, 100);
    return { ingest, replayAll, replayToken, fullReplay, fromSnapshot };
  } finally {
    await stores.close();
  }
}

/** Events per CLI run: the embedded log gets the 200,000; a Kafka run, ten times slower, a tenth. */
const cliEventsOf = (log: CliLog, scale: number) => (log === 'in-process' ? 200_000 : 20_000) * scale;

/** The CLI's own run on each log, best of `runs` (the machine's other load only ever slows a run down). */
async function cliFigures(scale: number, runs: number): Promise<Map<CliLog, CliRunResult | string>> {
  const out = new Map<CliLog, CliRunResult | string>();
  await cliRun('in-process', 2000); // warm-up
  for (const log of ['in-process', 'test-broker', 'mock-cluster'] as const) {
    const missing = cliLogUnavailable(log);
    if (missing) {
      out.set(log, `skipped: ${missing}`);
      continue;
    }
    const events = cliEventsOf(log, scale);
    progress(`CLI run (seed 7, ${fmt(events)} events) on ${log}, best of ${runs}`);
    let best: CliRunResult | undefined;
    for (let i = 0; i < runs; i++) {
      const result = await cliRun(log, events);
      if (!best || result.eventsPerSec > best.eventsPerSec) best = result;
    }
    out.set(log, best!);
  }
  return out;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const profile = process.argv.includes('--profile');
  const scale = quick ? 0.2 : 1;

  progress('raw nact baseline (1 actor, plain dispatch)');
  await rawNactThroughput(100_000 * scale); // warm-up
  const baseline = await rawNactThroughput(1_000_000 * scale);

  progress('kernel throughput (decode + validate + route + one counting actor per token)');
  await pipelineThroughput(10_000 * scale, true); // warm-up
  const kernel = await pipelineThroughput(200_000 * scale, true);

  progress('decode + validate of one price tick, plain and through the shared decoder');
  decodeCost(10_000 * scale); // warm-up
  const decode = decodeCost(100_000 * scale);

  progress('the limit: the same handlers hand-wired, one decode per tick, no runtime');
  handWiredThroughput(20_000 * scale); // warm-up
  const limit = handWiredThroughput(200_000 * scale);

  progress('pipeline throughput (decode + validate + route + position + trading + risk)');
  await pipelineThroughput(10_000 * scale); // warm-up
  const pipelineRun = await withGcShare(() => pipelineThroughput(100_000 * scale));
  const throughput = pipelineRun.result;
  let profileLines: string[] = [];
  if (profile) {
    progress('the pipeline run again under the CPU profiler (--profile)');
    const { path, top } = await profiled('bench-pipeline.cpuprofile', './profile-pipeline.js', [String(100_000 * scale)]);
    profileLines = [`CPU profile of the pipeline run (a process of its own): ${path}`, 'heaviest functions by self time:', ...top.map((l) => `  ${l}`)];
  }

  progress('tick-to-risk-decision latency at a fixed offered rate (2,000/s, then 20,000/s with force-closes)');
  const latency = await tickToRiskLatency(2_000, 5 * scale);
  const burst = await tickToRiskLatency(20_000, 5 * scale, undefined, 2_000);

  // Fewer tokens than 2,000 would leave the per-actor figure to the noise of the heap.
  const idleTokens = Math.round(5_000 * Math.max(scale, 0.4));
  progress(`memory of idle token actors (one tick each for ${fmt(idleTokens)} tokens: position + trading)`);
  const idle = await idleActorMemory(idleTokens);

  progress('the same through the Kafka adapter on the Kafka-protocol test broker (not Kafka)');
  await kafkaThroughput(5_000 * scale); // warm-up
  const kafka = await kafkaThroughput(50_000 * scale);
  const kafkaLat = await kafkaLatency(2_000, 5 * scale);

  const cli = await cliFigures(scale, quick ? 1 : 2);

  // Durable state on the real PostgreSQL and Redis (throwaway schema and key prefix, removed at the end).
  const ingestCount = 100_000 * scale;
  progress(`event store ingest (${fmt(ingestCount)} envelopes, batches of 1,000 with offsets, into PostgreSQL)`);
  const { ingest, replayAll, replayToken, fullReplay, fromSnapshot } = await storeFigures(ingestCount);
  const crashes = Math.max(10, Math.round(50 * scale));
  progress(`restart-to-ready of a crashed actor, ${crashes} crashes mid-stream`);
  const restartMid = await restartToReady(crashes, 'mid-stream');
  progress(`restart-to-ready of a crashed actor, ${crashes} crashes with the store caught up`);
  const restartCaughtUp = await restartToReady(crashes, 'store-caught-up');

  const signals = Math.round(2_000 * scale);
  progress(`execution: ${fmt(signals)} signals on 20 tokens -> checked, journaled, audited, placed, filled (memory, then PostgreSQL)`);
  await executionInMemory(200); // warm-up
  const execMemory = await executionInMemory(signals);
  const execPg = await executionOnPostgres(signals);
  progress('Hyperliquid order signing');
  await hyperliquidSigning(50); // warm-up
  const signing = await hyperliquidSigning(Math.round(1_000 * scale));

  const ms = (x: number) => `${x.toFixed(2)} ms`;
  const restartRow = (r: typeof restartMid, what: string): [string, string, string] => [
    `restart-to-ready, ${what} (backoff ${r.backoffMs} ms, ${r.crashes} crashes, ~${fmt(r.replayedPerRestart)} replayed each)`,
    `p50 ${ms(r.p50Ms)}, p99 ${ms(r.p99Ms)}, max ${ms(r.maxMs)}`,
    '',
  ];
  const rows: [string, string, string][] = [
    ['raw nact baseline, 1 actor', `${fmt(baseline)} msgs/s`, '1.00'],
    ['kernel: decode + validate + route + 1 counting actor', `${fmt(kernel.ticksPerSec)} ticks/s`, (kernel.ticksPerSec / baseline).toFixed(3)],
    [
      'decode + validate one price tick (JSON + zod)',
      `${decode.decodeUs.toFixed(2)} µs; through the shared decoder: ${decode.cachedMissUs.toFixed(2)} µs the first group, ${decode.cachedHitUs.toFixed(2)} µs each other`,
      '',
    ],
    ['limit: the same handlers hand-wired, 1 decode per tick, no runtime (bench/limit.ts)', `${fmt(limit.ticksPerSec)} ticks/s`, (limit.ticksPerSec / baseline).toFixed(3)],
    [
      'pipeline: ticks through position + trading + risk',
      `${fmt(throughput.ticksPerSec)} ticks/s, ${(throughput.ticksPerSec / limit.ticksPerSec).toFixed(2)} of the limit, GC ${(100 * pipelineRun.gcShare).toFixed(1)} % of the run`,
      (throughput.ticksPerSec / baseline).toFixed(3),
    ],
    latencyRow(latency),
    latencyRow(burst),
    [
      `force-close of a critical tick @ ${fmt(burst.offeredPerSec)} ticks/s offered (${fmt(burst.forceClose?.count ?? 0)} episodes)`,
      burst.forceClose ? `p50 ${burst.forceClose.p50Ms.toFixed(2)} ms, max ${burst.forceClose.maxMs.toFixed(2)} ms after the tick` : 'none emitted',
      '',
    ],
    [
      `memory per idle actor (${fmt(idle.tokens)} tokens, ${fmt(idle.actors)} actors: position + trading, V8 heap after GC)`,
      `${fmt(idle.bytesPerActor)} bytes per actor, ${fmt(idle.bytesPerToken)} per token`,
      '',
    ],
    ['pipeline via Kafka adapter + test broker (not Kafka)', `${fmt(kafka.ticksPerSec)} ticks/s`, (kafka.ticksPerSec / baseline).toFixed(3)],
    latencyRow(kafkaLat, 'via Kafka adapter + test broker '),
    ...cliRows(cli, scale, baseline),
    [`store ingest: ${fmt(ingest.events)} envelopes, appends of 1,000 + offsets, 1 writer`, `${fmt(ingest.eventsPerSec)} events/s`, ''],
    [`store replay: full range (${fmt(replayAll.events)} events), cursor`, `${fmt(replayAll.eventsPerSec)} events/s`, ''],
    [`store replay: one token (${fmt(replayToken.events)} events), cursor`, `${fmt(replayToken.eventsPerSec)} events/s`, ''],
    [
      `rehydrate() direct, ${fmt(fullReplay.events)} events, no snapshot (Redis miss, ${fmt(fullReplay.replayed)} from PG via handler)`,
      `median ${ms(fullReplay.medianMs)} (min ${ms(fullReplay.minMs)}, ${fullReplay.runs} runs)`,
      '',
    ],
    [
      `rehydrate() direct, ${fmt(fromSnapshot.events)} events, Redis snapshot + ${fmt(fromSnapshot.replayed)} from PG via handler`,
      `median ${ms(fromSnapshot.medianMs)} (min ${ms(fromSnapshot.minMs)}, ${fromSnapshot.runs} runs)`,
      '',
    ],
    restartRow(restartMid, 'crash mid-burst'),
    restartRow(restartCaughtUp, 'store caught up'),
    [
      `execution: signal -> orders -> fills, journal + audit in memory (${fmt(execMemory.signals)} signals, ${fmt(execMemory.orders)} orders, 20 tokens)`,
      `${fmt(execMemory.signalsPerSec)} signals/s, p50 ${ms(execMemory.p50Ms)}, p99 ${ms(execMemory.p99Ms)}`,
      '',
    ],
    [
      `execution: signal -> orders -> fills, journal + audit in PostgreSQL (${fmt(execPg.signals)} signals, ${fmt(execPg.orders)} orders, 20 tokens)`,
      `${fmt(execPg.signalsPerSec)} signals/s, p50 ${ms(execPg.p50Ms)}, p99 ${ms(execPg.p99Ms)}`,
      '',
    ],
    [`Hyperliquid order signing (msgpack + keccak + EIP-712, ${fmt(signing.orders)} orders)`, `${ms(signing.msPerOrder)} per order`, ''],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  console.log(`\nRegent bench (node ${process.version}, ${quick ? 'quick' : 'full'} run)\n`);
  console.log(`${'measure'.padEnd(w0)}  ${'figure'.padEnd(w1)}  ratio to raw nact`);
  for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`.trimEnd());
  for (const line of profileLines) console.log(line);
  console.log(
    '\nrestart-to-ready = from the handler\'s throw to the restarted actor handling its next event (the retried one), in a runtime' +
      '\non the in-process log with the PostgreSQL store writer and Redis snapshots every 100 events. Store rows have no nact ratio.',
  );
}

function latencyRow(l: LatencyResult, via = ''): [string, string, string] {
  return [
    `tick -> risk decision ${via}@ ${fmt(l.offeredPerSec)} ticks/s offered (${fmt(l.ticks)} ticks)`,
    `p50 ${l.p50Ms.toFixed(2)} ms, p99 ${l.p99Ms.toFixed(2)} ms, max ${l.maxMs.toFixed(2)} ms`,
    '',
  ];
}

/** The CLI rows, each Kafka one with its share of the in-process rate. */
function cliRows(cli: Map<CliLog, CliRunResult | string>, scale: number, baseline: number): [string, string, string][] {
  const labels: Record<CliLog, string> = {
    'in-process': `CLI run (npm start -- --seed 7 --events ${cliEventsOf('in-process', scale)}), in-process log`,
    'test-broker': `the same with ${fmt(cliEventsOf('test-broker', scale))} events on Kafka: kafkajs + test broker (not Kafka)`,
    'mock-cluster': `the same with ${fmt(cliEventsOf('mock-cluster', scale))} events on Kafka: kafkajs + librdkafka mock cluster, 3 brokers`,
  };
  const embedded = cli.get('in-process');
  return [...cli].map(([log, r]) => {
    if (typeof r === 'string') return [labels[log], r, ''];
    const share = log !== 'in-process' && typeof embedded !== 'string' && embedded ? `, ${(r.eventsPerSec / embedded.eventsPerSec).toFixed(2)} of in-process` : '';
    return [labels[log], `${fmt(r.eventsPerSec)} events/s (${r.seconds.toFixed(1)} s)${share}`, (r.eventsPerSec / baseline).toFixed(4)];
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
