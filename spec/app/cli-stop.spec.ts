// Stopping the real CLI. A `--store postgres` run whose PostgreSQL went away (a throwaway server):
// the shutdown has a deadline (shutdown.deadlineMs), after which the CLI says how many events it
// could not store and on which partitions, and exits 4 by itself (nothing keeps retrying once the
// stores are closed); a second SIGTERM during the drain gives up at once with the same report.
// Under npm, which forwards the terminal's Ctrl-C, the forwarded copy is not a second signal.
import { expect } from 'chai';
import { join } from 'node:path';
import pg from 'pg';
import { describeRun, envWithout, startNode, stopAll, type CliResult, type RunningCli } from '../support/cli-process.js';
import { PostgresServer } from '../support/postgres-server.js';
import { waitFor } from '../support/wait.js';

const CLI = join(process.cwd(), 'dist/app/cli.js');
const REPORT = /^regent: (shutdown deadline passed|SIGTERM again)[^:\n]*: ([\d,]+) event\(s\) not stored \(([^)\n]+)\)$/m;

describe('stopping a run whose PostgreSQL went away (real CLI, throwaway PostgreSQL)', function () {
  this.timeout(90_000);
  let server: PostgresServer;
  let schemaCount = 0;

  before(async () => {
    server = await PostgresServer.start();
  });

  beforeEach(async () => {
    // Each test stops the server; the next one starts it again.
    if (!server.isRunning) await server.startAgain();
  });

  after(async () => {
    stopAll();
    await server?.destroy();
  });

  const env = (settings: Record<string, string>): NodeJS.ProcessEnv => ({
    // No npm_* variables: the CLI treats a repeated signal under npm as npm's forwarded copy.
    ...envWithout(process.env, ['ANTHROPIC_API_KEY', 'OPS_API_TOKEN'], ['REGENT_', 'npm_']),
    REGENT_STORE__URL: server.url,
    REGENT_STORE__SCHEMA: `outage_${process.pid}_${++schemaCount}`,
    ...settings,
  });

  const storedEvents = async (schema: string): Promise<number> => {
    const client = new pg.Client({ connectionString: server.url });
    try {
      await client.connect();
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM "${schema}".events`);
      return rows[0].n as number;
    } catch {
      return 0; // not migrated yet
    } finally {
      await client.end().catch(() => undefined);
    }
  };

  /**
   * Starts the CLI, stops PostgreSQL once the store holds some of its events, and returns once the
   * store writer failed to store a batch: the log then holds events the store does not.
   */
  const runUntilOutage = async (args: readonly string[], settings: Record<string, string>): Promise<RunningCli> => {
    const e = env(settings);
    const cli = startNode(CLI, ['--store', 'postgres', '--no-http', '--log-format', 'json', ...args], { env: e, timeoutMs: 60_000 });
    let ended: CliResult | undefined;
    void cli.ended.then((result) => (ended = result));
    await waitFor('events in the store', async () => ended !== undefined || (await storedEvents(e['REGENT_STORE__SCHEMA']!)) > 0, 30_000);
    expect(ended && describeRun(ended), 'the run must still be going when PostgreSQL stops').to.equal(undefined);
    expect(cli.stdout(), 'the run must still be going when PostgreSQL stops').to.not.include('summary');
    await server.stop();
    await waitFor('a batch the store writer could not store', () => ended !== undefined || cli.stderr().includes('event store append failed; retrying'), 30_000);
    expect(ended && describeRun(ended), 'the run must still be going').to.equal(undefined);
    return cli;
  };

  const expectReport = (result: CliResult, kind: string): void => {
    expect(result.timedOut, describeRun(result)).to.equal(false);
    expect(result.code, describeRun(result)).to.equal(4);
    const report = REPORT.exec(result.stderr);
    expect(report, `a report of what was not stored\n${describeRun(result)}`).to.not.equal(null);
    expect(report![1]).to.equal(kind);
    expect(Number(report![2]!.replaceAll(',', '')), 'events not stored').to.be.greaterThan(0);
    const partitions = report![3]!.split(', ');
    for (const p of partitions) expect(p).to.match(/^[a-z]+(\.[a-z]+)*\/\d+: [\d,]+$/);
    // Which partitions the outage caught depends on timing; what they hold adds up to the total.
    const perPartition = partitions.map((p) => Number(p.replace(/^.*: /, '').replaceAll(',', '')));
    expect(perPartition.reduce((a, b) => a + b, 0), report![3]).to.equal(Number(report![2]!.replaceAll(',', '')));
    // It exited by itself: nothing was still retrying against the closed pool.
    // Once the pool is closed nothing tries again (the first failures against it are the last).
    const lines = result.stderr.split('\n');
    const closedAt = lines.findIndex((l) => l.includes('Cannot use a pool after calling end'));
    if (closedAt >= 0) expect(lines.slice(closedAt).filter((l) => /retrying/.test(l)), 'retries after the pool was closed').to.deep.equal([]);
    expect(result.stderr).to.not.match(/still busy/);
  };

  it('exits 4 by itself after the shutdown deadline, naming how many events were not stored and where', async () => {
    // --duration ends the run while PostgreSQL is down; the drain can then never finish.
    const cli = await runUntilOutage(['--duration', '6', '--rate', '500'], { REGENT_SHUTDOWN__DEADLINE_MS: '2000' });
    const result = await cli.ended;
    expectReport(result, 'shutdown deadline passed');
  });

  it('exits 4 by itself after the shutdown deadline that a SIGTERM started, with the same report', async () => {
    const cli = await runUntilOutage(['--events', '1000000', '--rate', '500'], { REGENT_SHUTDOWN__DEADLINE_MS: '2000' });
    cli.signal('SIGTERM');
    const result = await cli.ended;
    expect(result.stdout).to.include('SIGTERM: stopping the feed');
    expectReport(result, 'shutdown deadline passed');
  });

  it('gives up the drain at once on a second SIGTERM, with the same report', async () => {
    // A deadline far beyond the spec's own: only the second signal can end this run in time.
    const cli = await runUntilOutage(['--events', '1000000', '--rate', '500'], { REGENT_SHUTDOWN__DEADLINE_MS: '600000' });
    cli.signal('SIGTERM');
    await waitFor('the drain to start', () => cli.stdout().includes('SIGTERM: stopping the feed'), 10_000).catch((err: Error) => {
      throw new Error(`${err.message}\n--- stdout ---\n${cli.stdout()}\n--- stderr ---\n${cli.stderr().slice(-3000)}`);
    });
    cli.signal('SIGTERM');
    const result = await cli.ended;
    expectReport(result, 'SIGTERM again');
  });
});

describe('a repeated signal under npm (real CLI)', function () {
  this.timeout(60_000);
  after(() => stopAll());

  it("takes the copy npm forwards for the same Ctrl-C, not for a second one: the drain finishes, exit 0", async () => {
    const cli = startNode(CLI, ['--events', '1000000', '--rate', '2000', '--no-http', '--log-format', 'json'], {
      env: { ...envWithout(process.env, ['ANTHROPIC_API_KEY', 'OPS_API_TOKEN'], ['REGENT_', 'npm_']), npm_lifecycle_event: 'start' },
      timeoutMs: 30_000,
    });
    await waitFor('the run to start', () => cli.stdout().includes('Regent running'), 20_000);
    // One Ctrl-C under npm: the terminal's SIGINT and npm's forwarded copy, back to back.
    cli.signal('SIGINT');
    cli.signal('SIGINT');
    const result = await cli.ended;
    expect(result.code, describeRun(result)).to.equal(0);
    expect(result.stdout).to.include('SIGINT: stopping the feed');
    expect(result.stdout).to.include('Regent run summary');
  });
});
