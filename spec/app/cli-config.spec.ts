// Acceptance of `npm start` configuration, by spawning the compiled CLI: every bad setting from
// flags, environment and file is listed in one message (exit 2), numbers are decimal only, a bad
// broker says host:port, an unusable Hyperliquid key is a configuration error (exit 2), and a
// per-token limit set in the environment reaches the pre-trade checks of a real run.
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunSummary } from '../../app/summary.js';
import { describeRun, envWithout, runNode, stopAll, type CliResult } from '../support/cli-process.js';

const cli = fileURLToPath(new URL('../../app/cli.js', import.meta.url));
const RUN_DEADLINE_MS = 60_000;
const SECRET_NAMES = ['HYPERLIQUID_PRIVATE_KEY', 'BINANCE_API_KEY', 'BINANCE_API_SECRET', 'ANTHROPIC_API_KEY', 'OPS_API_TOKEN'];

function bareEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...envWithout(process.env, [...SECRET_NAMES, ...SECRET_NAMES.map((n) => `${n}_FILE`)], ['REGENT_']), ...extra };
}

function cliRun(args: readonly string[], env: NodeJS.ProcessEnv = bareEnv()): Promise<CliResult> {
  return runNode(cli, args, { env, timeoutMs: RUN_DEADLINE_MS });
}

function expectRefused(result: CliResult): void {
  expect(result.code, describeRun(result)).to.equal(2);
  expect(result.stdout, 'nothing ran').to.not.include('Regent running');
}

describe('npm start configuration errors', function () {
  this.timeout(2 * RUN_DEADLINE_MS);

  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'regent-cli-config-'));
  });
  afterEach(() => {
    stopAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists bad flags, bad variables and bad file settings together in one message (exit 2)', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'supervision:\n  jitter: 1.5\n');
    const result = await cliRun(
      ['--seed', 'abc', '--http-port', '99999', '--testnet', '--mainnet', '--config', file, '--no-http'],
      bareEnv({ REGENT_EXECUTION__MAX_LEVERAGE: 'abc' }),
    );
    expectRefused(result);
    expect(result.stderr).to.contain('invalid configuration (5 problems):');
    expect(result.stderr).to.contain('  - seed (flag --seed): expected a non-negative integer, got "abc"');
    expect(result.stderr).to.contain('  - http.port (flag --http-port): expected an integer between 0 and 65535, got 99999');
    expect(result.stderr).to.contain('--testnet and --mainnet exclude each other');
    expect(result.stderr).to.contain('  - execution.maxLeverage (env REGENT_EXECUTION__MAX_LEVERAGE): expected a number greater than 0, got "abc"');
    expect(result.stderr).to.contain(`  - supervision.jitter (file ${file}): expected a number between 0 and 1, got 1.5`);
    expect(result.stderr.match(/invalid configuration/g), 'one message').to.have.length(1);
    expect(result.stderr, 'a flag was at fault: the usage follows').to.contain('Usage: npm start');
  });

  it('still lists the flag and env problems when the config file cannot be read', async () => {
    const missing = join(dir, 'missing.json');
    const result = await cliRun(['--events', 'many', '--config', missing], bareEnv({ REGENT_SEED: '-1' }));
    expectRefused(result);
    expect(result.stderr).to.contain('invalid configuration (3 problems):');
    expect(result.stderr).to.contain(`(config) (file ${missing}): cannot read config file`);
    expect(result.stderr).to.contain('events (flag --events): expected an integer greater than 0, got "many"');
    expect(result.stderr).to.contain('seed (env REGENT_SEED): expected a non-negative integer, got -1');
  });

  it('refuses hex and binary numbers in variables and flags', async () => {
    const result = await cliRun(['--events', '0b101', '--rate', '0x10', '--no-http'], bareEnv({ REGENT_SEED: '0x10' }));
    expectRefused(result);
    expect(result.stderr).to.contain('invalid configuration (3 problems):');
    expect(result.stderr).to.contain('seed (env REGENT_SEED): expected a non-negative integer, got "0x10"');
    expect(result.stderr).to.contain('events (flag --events): expected an integer greater than 0, got "0b101"');
    expect(result.stderr).to.contain('feed.ratePerSec (flag --rate): expected a number greater than 0, got "0x10"');
  });

  it('says host:port is expected for a broker without a port, from a flag or a variable', async () => {
    const fromFlag = await cliRun(['--kafka', 'nocolon', '--no-http']);
    expectRefused(fromFlag);
    expect(fromFlag.stderr).to.contain('eventLog.brokers.0 (flag --kafka): expected host:port (e.g. 127.0.0.1:9092), got "nocolon"');
    expect(fromFlag.stderr).to.not.contain('expected a string');

    const fromEnv = await cliRun(['--no-http'], bareEnv({ REGENT_EVENT_LOG__KIND: 'kafka', REGENT_EVENT_LOG__BROKERS: 'nocolon' }));
    expectRefused(fromEnv);
    expect(fromEnv.stderr).to.contain('eventLog.brokers.0 (env REGENT_EVENT_LOG__BROKERS): expected host:port (e.g. 127.0.0.1:9092), got "nocolon"');
  });

  it('refuses a per-token limit for a token that is not traded, naming the variable', async () => {
    const result = await cliRun(['--no-http', '--events', '10', '--tokens', 'BTC,ETH'], bareEnv({ REGENT_EXECUTION__POSITION_LIMIT_OVERRIDES__XRP__MAX_NOTIONAL: '1' }));
    expectRefused(result);
    expect(result.stderr).to.contain(
      'execution.positionLimitOverrides.XRP (env REGENT_EXECUTION__POSITION_LIMIT_OVERRIDES__XRP__MAX_NOTIONAL): XRP is not a traded token (feed.tokens: BTC, ETH)',
    );
  });

  it('refuses an invalid Hyperliquid private key (exit 2) without showing it', async () => {
    const result = await cliRun(['--exchange', 'hyperliquid', '--no-http', '--events', '10'], bareEnv({ HYPERLIQUID_PRIVATE_KEY: 'notakey' }));
    expectRefused(result);
    expect(result.stderr).to.contain('regent: cannot start the hyperliquid exchange: secret HYPERLIQUID_PRIVATE_KEY is not a valid private key');
    expect(result.stderr).to.not.contain('notakey');
    expect(result.stderr, 'no stack trace').to.not.match(/\n\s+at /);
  });

  it('refuses an invalid Hyperliquid key from a file, naming the variable of the file', async () => {
    const keyFile = join(dir, 'key');
    writeFileSync(keyFile, '0x1234\n', { mode: 0o600 });
    const result = await cliRun(['--exchange', 'hyperliquid', '--no-http', '--events', '10'], bareEnv({ HYPERLIQUID_PRIVATE_KEY_FILE: keyFile }));
    expectRefused(result);
    expect(result.stderr).to.contain('secret HYPERLIQUID_PRIVATE_KEY (from HYPERLIQUID_PRIVATE_KEY_FILE) is not a valid private key');
    expect(result.stderr).to.not.contain('0x1234');
  });
});

describe('npm start with per-token limits from the environment', function () {
  this.timeout(2 * RUN_DEADLINE_MS);

  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'regent-cli-limits-'));
  });
  afterEach(() => {
    stopAll();
    rmSync(dir, { recursive: true, force: true });
  });

  async function summaryOf(env: NodeJS.ProcessEnv): Promise<RunSummary> {
    const out = join(dir, `summary-${Object.keys(env).length}.json`);
    const result = await cliRun(['--seed', '42', '--events', '3000', '--no-http', '--log-level', 'silent', '--summary-json', out], env);
    expect(result.code, describeRun(result)).to.equal(0);
    return JSON.parse(readFileSync(out, 'utf8')) as RunSummary;
  }

  it('REGENT_EXECUTION__POSITION_LIMIT_OVERRIDES__BTC__MAX_NOTIONAL stops BTC orders in a run', async () => {
    const free = await summaryOf(bareEnv());
    expect(free.pnl.BTC?.fees ?? 0, 'without the limit the seed trades BTC').to.be.greaterThan(0);

    const limited = await summaryOf(bareEnv({ REGENT_EXECUTION__POSITION_LIMIT_OVERRIDES__BTC__MAX_NOTIONAL: '1' }));
    expect(limited.rejections['position-notional-limit'] ?? 0, JSON.stringify(limited.rejections)).to.be.greaterThan(0);
    expect(limited.pnl.BTC?.size ?? 0, 'no BTC position').to.equal(0);
    expect(limited.pnl.BTC?.fees ?? 0, 'no BTC fill').to.equal(0);
  });
});
