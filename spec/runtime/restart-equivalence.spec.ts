// The README's durable-state promise, on the real CLI: a run on PostgreSQL + Redis that is killed
// (kill -9, and separately SIGTERM) and started again with the same command ends with the summary
// of one uninterrupted run; the store holds every event once and every client order id once. A
// second start of a finished run continues it (and says so), one with other settings is refused.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { describeRun, envWithout, runNode } from '../support/cli-process.js';
import { waitFor } from '../support/wait.js';

const CLI = join(process.cwd(), 'dist/app/cli.js');
const EVENTS = 12_000;
const PG_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const ARGS = ['--store', 'postgres', '--state', 'redis', '--seed', '11', '--events', String(EVENTS), '--no-http', '--log-format', 'json'];

interface Deployment {
  readonly schema: string;
  readonly env: NodeJS.ProcessEnv;
}

describe('restarting a durable run (real CLI, PostgreSQL + Redis)', function () {
  this.timeout(180_000);
  const admin = new pg.Pool({ connectionString: PG_URL, max: 2 });
  const redis = new Redis('redis://127.0.0.1:6379');
  const dir = mkdtempSync(join(tmpdir(), 'regent-restart-'));
  const schemas: string[] = [];
  const children = new Set<ChildProcess>();
  let reference: Record<string, unknown>;

  const deployment = (name: string): Deployment => {
    const schema = `restart_${name}_${process.pid}`;
    schemas.push(schema);
    const env = {
      ...envWithout(process.env, ['ANTHROPIC_API_KEY', 'OPS_API_TOKEN'], ['REGENT_']),
      REGENT_STORE__URL: PG_URL,
      REGENT_STORE__SCHEMA: schema,
      REGENT_STATE__KEY_PREFIX: `${schema}:`,
    };
    return { schema, env };
  };
  const run = async (d: Deployment, extra: readonly string[] = []) => {
    const out = join(dir, `${d.schema}-${Date.now()}.json`);
    const result = await runNode(CLI, [...ARGS, '--summary-json', out, ...extra], { env: d.env, timeoutMs: 120_000 });
    return { result, summary: () => JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown> };
  };
  const storedEvents = async (schema: string): Promise<number> => {
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM "${schema}".events`).catch(() => ({ rows: [{ n: 0 }] }));
    return rows[0].n as number;
  };
  /** Starts a run and stops it with `signal` once the store holds `atEvents` events. */
  const interrupted = async (d: Deployment, signal: NodeJS.Signals, atEvents: number) => {
    const child = spawn(process.execPath, [CLI, ...ARGS], { env: d.env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.resume();
    const ended = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    await waitFor(`${atEvents} stored events`, async () => (await storedEvents(d.schema)) >= atEvents, 60_000);
    child.kill(signal);
    const code = await ended;
    children.delete(child);
    return { code, stdout };
  };
  const expectSameAsReference = async (d: Deployment, second: Awaited<ReturnType<typeof run>>) => {
    expect(second.result.code, describeRun(second.result)).to.equal(0);
    expect(second.result.stdout).to.match(/continuing the run started/);
    const summary = second.summary();
    for (const key of ['signals', 'orders', 'fills', 'rejections', 'pnl', 'totalNetPnl', 'topics', 'feedEvents']) {
      expect(summary[key], key).to.deep.equal(reference[key]);
    }
    const events = await admin.query(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM "${d.schema}".events`);
    expect(events.rows[0].n).to.equal(events.rows[0].ids);
    const orders = await admin.query(`SELECT count(*)::int AS n, count(DISTINCT client_order_id)::int AS ids FROM "${d.schema}".orders`);
    expect(orders.rows[0].n).to.equal(orders.rows[0].ids);
    expect(orders.rows[0].n).to.equal(reference['orders']);
  };

  before(async () => {
    const d = deployment('reference');
    const first = await run(d);
    expect(first.result.code, describeRun(first.result)).to.equal(0);
    reference = first.summary();
    expect(reference['orders']).to.be.greaterThan(5);
  });

  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    for (const schema of schemas) {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      const keys = await redis.keys(`${schema}:*`);
      if (keys.length) await redis.del(...keys);
    }
    await admin.end();
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the summary of the embedded default for the same seed: the stores change nothing a run decides', async () => {
    const out = join(dir, 'memory.json');
    const memory = await runNode(CLI, ['--seed', '11', '--events', String(EVENTS), '--no-http', '--summary-json', out], { env: deployment('memory').env, timeoutMs: 120_000 });
    expect(memory.code, describeRun(memory)).to.equal(0);
    const summary = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
    for (const key of ['signals', 'orders', 'fills', 'rejections', 'pnl', 'totalNetPnl', 'topics', 'feedEvents']) {
      expect(summary[key], key).to.deep.equal(reference[key]);
    }
  });

  it('loses nothing and applies nothing twice when a run killed with kill -9 is started again', async () => {
    const d = deployment('kill');
    const first = await interrupted(d, 'SIGKILL', 4000);
    expect(first.code).to.equal(null);
    const second = await run(d);
    expect(second.result.code, describeRun(second.result)).to.equal(0);
    expect(second.result.stdout).to.match(/continuing the run started/);
    const summary = second.summary();
    expect(summary['feedEvents']).to.equal(EVENTS);
    const topics = summary['topics'] as Record<string, number>;
    const ref = reference['topics'] as Record<string, number>;
    for (const topic of ['price.ticks', 'liquidation.events', 'sentiment.updates']) expect(topics[topic], topic).to.equal(ref[topic]);
    const events = await admin.query(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM "${d.schema}".events`);
    expect(events.rows[0].n).to.equal(events.rows[0].ids);
    const orders = await admin.query(`SELECT count(*)::int AS n, count(DISTINCT client_order_id)::int AS ids FROM "${d.schema}".orders`);
    expect(orders.rows[0].n).to.equal(orders.rows[0].ids);
    // Journal before send: a kill between the two leaves an order journaled that the venue never got;
    // its signal comes again and sends it then (the in-process venue cannot have received it since).
    const unjournaled = await admin.query(
      `SELECT count(*)::int AS n FROM "${d.schema}".paper_orders v WHERE NOT EXISTS (SELECT 1 FROM "${d.schema}".orders o WHERE o.client_order_id = v.client_order_id)`,
    );
    expect(unjournaled.rows[0].n, 'venue orders missing from the journal').to.equal(0);
    const neverSent = await admin.query(
      `SELECT o.client_order_id, o.status FROM "${d.schema}".orders o WHERE NOT EXISTS (SELECT 1 FROM "${d.schema}".paper_orders v WHERE v.client_order_id = o.client_order_id)`,
    );
    expect(neverSent.rows, 'journaled orders the venue never got').to.deep.equal([]);
    expect(summary['fills'], 'fills booked = trade.executed events').to.equal(topics['trade.executed']);
  });

  // An order the killed process sent waits for its signal to come again (and a journaled one the
  // in-process venue never got is sent then), so the restarted stream decides what it decided.
  it('ends a run killed with kill -9 twice and started again exactly like one uninterrupted run', async () => {
    const d = deployment('killexact');
    const first = await interrupted(d, 'SIGKILL', 3000);
    expect(first.code).to.equal(null);
    // The continued run is killed too: a restart of a restart.
    const second = await interrupted(d, 'SIGKILL', 7500);
    expect(second.code).to.equal(null);
    expect(second.stdout).to.match(/continuing the run started/);
    await expectSameAsReference(d, await run(d));
  });

  it('ends a run stopped with SIGTERM and started again exactly like one uninterrupted run', async () => {
    const d = deployment('term');
    const first = await interrupted(d, 'SIGTERM', 6000);
    expect(first.code).to.equal(0);
    expect(first.stdout).to.match(/SIGTERM: stopping the feed/);
    await expectSameAsReference(d, await run(d));
  });

  it('continues a finished run (and says so) instead of silently doing nothing, and refuses other settings naming --fresh', async () => {
    const d = deployment('again');
    const first = await run(d);
    expect(first.result.code, describeRun(first.result)).to.equal(0);
    const again = await run(d);
    expect(again.result.code, describeRun(again.result)).to.equal(0);
    expect(again.result.stdout).to.match(/continuing the run started/);
    expect(again.result.stdout).to.match(/the feed resumed after 12,000 event\(s\)/);
    expect(again.summary()['orders']).to.equal(reference['orders']);
    expect(again.summary()['pnl']).to.deep.equal(reference['pnl']);
    const other = await runNode(CLI, [...ARGS.map((a) => (a === '11' ? '7' : a))], { env: d.env, timeoutMs: 60_000 });
    expect(other.code, describeRun(other)).to.equal(2);
    expect(other.stderr).to.match(/seed: stored 11, asked 7/).and.to.match(/--fresh/);
    const fresh = await runNode(CLI, [...ARGS.map((a) => (a === '11' ? '7' : a)), '--fresh', '--yes'], { env: d.env, timeoutMs: 60_000 });
    expect(fresh.code, describeRun(fresh)).to.equal(0);
    expect(fresh.stdout).to.match(/new run recorded/);
  });

  it('refuses Redis snapshots of an earlier run when the in-process log cannot continue it (no --store)', async () => {
    const d = deployment('stateonly');
    const args = ['--state', 'redis', '--seed', '11', '--events', '2000', '--no-http'];
    const first = await runNode(CLI, args, { env: d.env, timeoutMs: 60_000 });
    expect(first.code, describeRun(first)).to.equal(0);
    const second = await runNode(CLI, args, { env: d.env, timeoutMs: 60_000 });
    expect(second.code, describeRun(second)).to.equal(2);
    expect(second.stderr).to.match(/snapshot\(s\) of an earlier run/).and.to.match(/--store postgres/).and.to.match(/--fresh/);
  });
});
