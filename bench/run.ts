// `npm run bench`: every figure of the runtime core in one run, each next to the raw nact baseline
// measured in the same process. Figures only; nothing here is asserted.
import { rawNactThroughput } from './raw-nact.js';
import { pipelineThroughput, tickToRiskLatency } from './pipeline.js';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function progress(step: string): void {
  process.stderr.write(`bench: ${step}...\n`);
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const scale = quick ? 0.2 : 1;

  progress('raw nact baseline (1 actor, plain dispatch)');
  await rawNactThroughput(100_000 * scale); // warm-up
  const baseline = await rawNactThroughput(1_000_000 * scale);

  progress('kernel throughput (decode + validate + route + one counting actor per token)');
  await pipelineThroughput(10_000 * scale, true); // warm-up
  const kernel = await pipelineThroughput(200_000 * scale, true);

  progress('pipeline throughput (decode + validate + route + position + trading + risk)');
  await pipelineThroughput(10_000 * scale); // warm-up
  const throughput = await pipelineThroughput(100_000 * scale);

  progress('tick-to-risk-decision latency at a fixed offered rate');
  const latency = await tickToRiskLatency(2_000, 5 * scale);

  const rows: [string, string, string][] = [
    ['raw nact baseline, 1 actor', `${fmt(baseline)} msgs/s`, '1.00'],
    ['kernel: decode + validate + route + 1 counting actor', `${fmt(kernel.ticksPerSec)} ticks/s`, (kernel.ticksPerSec / baseline).toFixed(3)],
    ['pipeline: ticks through position + trading + risk', `${fmt(throughput.ticksPerSec)} ticks/s`, (throughput.ticksPerSec / baseline).toFixed(3)],
    [
      `tick -> risk decision @ ${fmt(latency.offeredPerSec)} ticks/s offered (${fmt(latency.ticks)} ticks)`,
      `p50 ${latency.p50Ms.toFixed(2)} ms, p99 ${latency.p99Ms.toFixed(2)} ms, max ${latency.maxMs.toFixed(2)} ms`,
      '',
    ],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  console.log(`\nRegent bench (node ${process.version}, ${quick ? 'quick' : 'full'} run)\n`);
  console.log(`${'measure'.padEnd(w0)}  ${'figure'.padEnd(w1)}  ratio to raw nact`);
  for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
