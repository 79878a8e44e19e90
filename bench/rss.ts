// `npm run bench:rss`: runs the real CLI (synthetic feed, paper exchange, in-memory state, the
// in-process log) for a while as a child process and samples its resident memory, to show whether
// memory stays flat over a long run. Figures only; nothing here is asserted.
//
//   node dist/bench/rss.js [--duration <s>] [--interval <s>] [-- <more CLI flags, e.g. --store postgres>]
//
// Defaults: 600 s (REGENT_RSS_DURATION), a sample every 10 s (REGENT_RSS_INTERVAL).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Sample {
  readonly t: number;
  readonly rssMb: number;
  /** V8 heap in use and committed (what V8 holds from the system). */
  readonly heapMb: number | undefined;
  readonly heapTotalMb: number | undefined;
  readonly externalMb: number | undefined;
  readonly events: number | undefined;
}

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'runtime', 'cli.js');

function option(argv: readonly string[], name: string, env: string, fallback: number): number {
  const i = argv.indexOf(name);
  const raw = i >= 0 ? argv[i + 1] : process.env[env];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${i >= 0 ? name : env} must be a positive number of seconds, got "${raw}"`);
  return n;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in MB, from /proc (undefined once it is gone). */
function rssMb(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** V8 heap in use and committed, and memory outside it (Buffers), from the ops server's /metrics. */
async function heap(port: number): Promise<Pick<Sample, 'heapMb' | 'heapTotalMb' | 'externalMb'>> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
    const mb = (name: string) => {
      const bytes = new RegExp(`^regent_nodejs_${name} (\\S+)$`, 'm').exec(text)?.[1];
      return bytes === undefined ? undefined : Number(bytes) / 2 ** 20;
    };
    return { heapMb: mb('heap_size_used_bytes'), heapTotalMb: mb('heap_size_total_bytes'), externalMb: mb('external_memory_bytes') };
  } catch {
    return { heapMb: undefined, heapTotalMb: undefined, externalMb: undefined };
  }
}

/** Least-squares slope of RSS over time, in MB per minute. */
function slopeMbPerMin(samples: readonly Sample[], value: (s: Sample) => number | undefined): number | undefined {
  const points = samples.flatMap((s) => {
    const v = value(s);
    return v === undefined ? [] : [[s.t, v] as const];
  });
  if (points.length < 2) return undefined;
  const mt = points.reduce((a, [t]) => a + t, 0) / points.length;
  const mv = points.reduce((a, [, v]) => a + v, 0) / points.length;
  const num = points.reduce((a, [t, v]) => a + (t - mt) * (v - mv), 0);
  const den = points.reduce((a, [t]) => a + (t - mt) ** 2, 0);
  return (num / den) * 60;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const dash = argv.indexOf('--');
  const own = dash >= 0 ? argv.slice(0, dash) : argv;
  const extra = dash >= 0 ? argv.slice(dash + 1) : [];
  const duration = option(own, '--duration', 'REGENT_RSS_DURATION', 600);
  const interval = option(own, '--interval', 'REGENT_RSS_INTERVAL', 10);
  const port = await freePort();
  const args = [cli, '--duration', String(duration), '--http-port', String(port), ...extra];
  process.stderr.write(`bench:rss: node ${args.map((a) => (a === cli ? 'dist/app/cli.js' : a)).join(' ')}\n`);

  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let events: number | undefined;
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    // The CLI's progress lines: "[   12.0s] events 61,200 (5,100/s) | ..."
    for (const m of chunk.matchAll(/\] events ([\d,]+) /g)) events = Number(m[1]!.replace(/,/g, ''));
  });
  let errors = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    errors = (errors + chunk).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let running = true;
  void exited.then(() => (running = false));

  const started = Date.now();
  const samples: Sample[] = [];
  const columns: [string, number, (s: Sample) => string][] = [
    ['t (s)', 6, (s) => s.t.toFixed(0)],
    ['RSS MB', 8, (s) => s.rssMb.toFixed(1)],
    ['heap used MB', 12, (s) => s.heapMb?.toFixed(1) ?? '-'],
    ['heap total MB', 13, (s) => s.heapTotalMb?.toFixed(1) ?? '-'],
    ['external MB', 11, (s) => s.externalMb?.toFixed(1) ?? '-'],
    ['events', 12, (s) => s.events?.toLocaleString('en-US') ?? '-'],
  ];
  const row = (s: Sample) => process.stdout.write(`${columns.map(([, w, f]) => f(s).padStart(w)).join(' | ')}\n`);
  process.stdout.write(`${columns.map(([h, w]) => h.padStart(w)).join(' | ')}\n`);
  process.stdout.write(`${columns.map(([, w]) => '-'.repeat(w)).join('-+-')}\n`);
  for (let k = 1; running; k++) {
    const due = started + k * interval * 1000;
    await Promise.race([new Promise((r) => setTimeout(r, Math.max(0, due - Date.now()))), exited]);
    if (!running) break;
    const rss = rssMb(child.pid!);
    if (rss === undefined) break;
    const sample: Sample = { t: (Date.now() - started) / 1000, rssMb: rss, ...(await heap(port)), events };
    samples.push(sample);
    row(sample);
  }
  const code = await exited;

  const secondHalf = samples.filter((s) => s.t >= duration / 2);
  const rssSlope = slopeMbPerMin(secondHalf, (s) => s.rssMb);
  const heapSlope = slopeMbPerMin(secondHalf, (s) => s.heapMb);
  const heapTotalSlope = slopeMbPerMin(secondHalf, (s) => s.heapTotalMb);
  const last = samples[samples.length - 1];
  const peak = samples.reduce((m, s) => Math.max(m, s.rssMb), 0);
  process.stdout.write(
    `\nslope over the second half (t >= ${duration / 2} s): RSS ${rssSlope?.toFixed(2) ?? '-'} MB/min, heap used ${heapSlope?.toFixed(2) ?? '-'} MB/min, heap total ${heapTotalSlope?.toFixed(2) ?? '-'} MB/min\n` +
      `peak RSS ${peak.toFixed(1)} MB; last sample ${last ? `${last.rssMb.toFixed(1)} MB at ${last.t.toFixed(0)} s` : '-'}` +
      `${last?.events !== undefined ? ` after ${last.events.toLocaleString('en-US')} events` : ''}\n`,
  );
  const summaryLine = /^\S[\d,]* feed events in .*$/m.exec(output)?.[0];
  if (summaryLine) process.stdout.write(`CLI: ${summaryLine}\n`);
  if (code !== 0) {
    process.stderr.write(`bench:rss: the CLI exited with code ${code}\n${errors}`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  process.stderr.write(`bench:rss: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
