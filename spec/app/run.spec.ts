import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../../config/load.js';
import { silentLogger } from '../../runtime/ports/logger.js';
import { startRun } from '../../app/run.js';

const run = promisify(execFile);
const cli = join(process.cwd(), 'dist/app/cli.js');

async function summaryOf(seed: number, events: number) {
  const config = loadConfig({ env: {}, overrides: { seed, events, http: { enabled: false } } });
  const handle = await startRun(config, { logger: silentLogger });
  return handle.done;
}

describe('a whole run of the embedded default', function () {
  this.timeout(60_000);

  it('gives the same summary for the same seed and event count, and a different one for another seed', async () => {
    const a = await summaryOf(11, 6000);
    const b = await summaryOf(11, 6000);
    const c = await summaryOf(12, 6000);
    expect(a.feedEvents).to.equal(6000);
    expect(a.signals).to.be.greaterThan(0);
    expect(a.fills).to.equal(a.topics['trade.executed']);
    expect(Object.keys(a.pnl).length).to.be.greaterThan(0);
    expect(b).to.deep.equal(a);
    expect(c).to.not.deep.equal(a);
  });

  it('runs from the command line, prints the summary table and writes it as JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'regent-cli-'));
    try {
      const out = join(dir, 'summary.json');
      const { stdout } = await run('node', [cli, '--events', '3000', '--seed', '5', '--summary-json', out, '--no-http', '--log-level', 'silent']);
      expect(stdout).to.match(/Regent run summary \(seed 5, 3,000 feed events\)/);
      expect(stdout).to.match(/PnL per token/);
      expect(stdout).to.match(/Events per topic/);
      const json = JSON.parse(readFileSync(out, 'utf8'));
      expect(json.seed).to.equal(5);
      expect(json.feedEvents).to.equal(3000);
      expect(json.topics['price.ticks']).to.be.greaterThan(2000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bad configuration with exit code 2 and names every bad field', async () => {
    const failure = await run('node', [cli, '--events', '10', '--no-http'], {
      env: { ...process.env, REGENT_EXECUTION__MAX_LEVERAGE: 'lots', REGENT_FEED__KIND: 'csv' },
    }).catch((e: { code: number; stderr: string }) => e);
    expect((failure as { code: number }).code).to.equal(2);
    const stderr = (failure as { stderr: string }).stderr;
    expect(stderr).to.match(/execution\.maxLeverage.*REGENT_EXECUTION__MAX_LEVERAGE/);
    expect(stderr).to.match(/feed\.path/);
  });

  it('refuses an unknown flag with exit code 2 and the usage text', async () => {
    const failure = (await run('node', [cli, '--bogus']).catch((e) => e)) as { code: number; stderr: string };
    expect(failure.code).to.equal(2);
    expect(failure.stderr).to.match(/Usage: npm start/);
  });
});

describe('a whole run on the real stores', function () {
  this.timeout(60_000);

  it('runs with --store postgres --state redis and persists every event', async () => {
    const pg = (await import('pg')).default;
    const schema = `regent_cli_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
    const prefix = `regent-cli-${schema}:`;
    const env = {
      ...process.env,
      REGENT_STORE__URL: 'postgres://postgres@127.0.0.1:5432/test',
      REGENT_STORE__SCHEMA: schema,
      REGENT_STATE__KEY_PREFIX: prefix,
    };
    const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
    await admin.connect();
    try {
      const { stdout } = await run('node', [cli, '--events', '3000', '--seed', '5', '--store', 'postgres', '--state', 'redis', '--no-http', '--log-level', 'silent'], { env });
      expect(stdout).to.match(/Regent run summary \(seed 5, 3,000 feed events\)/);
      const { rows } = await admin.query(`SELECT count(*)::int AS n FROM "${schema}".events WHERE topic = 'price.ticks'`);
      expect(rows[0].n).to.be.greaterThan(2000);
      const { RedisCache } = await import('../../adapters/state/redis/cache.js');
      const { RedisPortfolioCache } = await import('../../adapters/state/redis/portfolio-cache.js');
      const cache = new RedisCache({ url: 'redis://127.0.0.1:6379', keyPrefix: prefix });
      try {
        const portfolio = new RedisPortfolioCache(cache);
        expect((await portfolio.positions()).size, 'positions in the portfolio cache').to.be.greaterThan(0);
        expect(await portfolio.balance(), 'cash balance in the portfolio cache').to.be.a('number');
      } finally {
        await cache.close();
      }
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
      const { Redis } = await import('ioredis');
      const { deleteKeys } = await import('../support/redis-server.js');
      const redis = new Redis('redis://127.0.0.1:6379');
      await deleteKeys(redis, prefix);
      redis.disconnect();
    }
  });
});

describe('a whole run on Kafka', function () {
  this.timeout(60_000);

  it('runs with --kafka against a Kafka-protocol broker and prints the summary', async () => {
    const { KafkaTestBroker } = await import('../support/kafka-broker/broker.js');
    const broker = await KafkaTestBroker.start();
    try {
      const env = { ...process.env, REGENT_EVENT_LOG__HEARTBEAT_INTERVAL_MS: '200', REGENT_EVENT_LOG__SESSION_TIMEOUT_MS: '3000' };
      const { stdout } = await run('node', [cli, '--kafka', broker.brokers.join(','), '--events', '2000', '--seed', '5', '--no-http', '--log-level', 'silent'], { env });
      expect(stdout).to.match(/Regent run summary \(seed 5, 2,000 feed events\)/);
      expect(broker.endOffset('price.ticks', 0)).to.be.a('number');
      const ticks = broker.topics().includes('price.ticks');
      expect(ticks, 'the catalog topics were created').to.equal(true);
      expect(broker.topics()).to.include('price.ticks.dlq');
    } finally {
      await broker.close();
    }
  });
});
