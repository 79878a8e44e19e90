// Acceptance of `npm start` on real venues, by spawning the compiled CLI: a venue without its
// credentials refuses to start (exit 2) and says how to provide them, the paper default needs no
// secret at all, and a run that signs orders and calls the LLM never prints a secret.
import { expect } from 'chai';
import { Wallet } from 'ethers';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cloidOf } from '../../adapters/exchange/hyperliquid/wire.js';
import { describeRun, envWithout, runNode, stopAll, type CliResult } from '../support/cli-process.js';
import { HyperliquidTestServer } from '../support/hyperliquid-server.js';
import { MessagesApiServer } from '../support/messages-api-server.js';

// The CLI compiled beside this spec (dist/ under `npm test`, another outDir in a private build).
const cli = fileURLToPath(new URL('../../app/cli.js', import.meta.url));

const SECRET_NAMES = ['HYPERLIQUID_PRIVATE_KEY', 'BINANCE_API_KEY', 'BINANCE_API_SECRET', 'ANTHROPIC_API_KEY'];
const TEST_KEY = '0x0123456789012345678901234567890123456789012345678901234567890123';
const ANTHROPIC_KEY = 'sk-test-SECRET-5a1f0c9e7d3b4a2c8e6f1d0b9a7c5e3f';
const RUN_DEADLINE_MS = 60_000;

/** The parent's environment without any secret (nor its _FILE) and without REGENT_* settings. */
function bareEnv(): NodeJS.ProcessEnv {
  return envWithout(process.env, [...SECRET_NAMES, ...SECRET_NAMES.map((n) => `${n}_FILE`)], ['REGENT_']);
}

function cliRun(args: readonly string[], env: NodeJS.ProcessEnv = bareEnv()): Promise<CliResult> {
  return runNode(cli, args, { env, timeoutMs: RUN_DEADLINE_MS });
}

/** Where `needle` shows up in a run's output, ignoring case; empty when nowhere. */
function leaks(result: CliResult, needle: string): string[] {
  const found: string[] = [];
  for (const [stream, text] of [['stdout', result.stdout], ['stderr', result.stderr]] as const) {
    const at = text.toLowerCase().indexOf(needle.toLowerCase());
    if (at >= 0) found.push(`${stream} at ${at}: ...${text.slice(Math.max(0, at - 80), at)}<SECRET>...`);
  }
  return found;
}

describe('npm start on a real venue', function () {
  this.timeout(2 * RUN_DEADLINE_MS);

  after(stopAll);

  it('refuses hyperliquid --testnet without HYPERLIQUID_PRIVATE_KEY (exit 2), saying how to provide it', async () => {
    const result = await cliRun(['--exchange', 'hyperliquid', '--testnet']);
    expect(result.code, describeRun(result)).to.equal(2);
    expect(result.stderr).to.include('cannot start the hyperliquid exchange');
    expect(result.stderr).to.match(/HYPERLIQUID_PRIVATE_KEY: set HYPERLIQUID_PRIVATE_KEY or HYPERLIQUID_PRIVATE_KEY_FILE/);
    expect(result.stdout, 'nothing ran').to.not.include('Regent running');
  });

  it('refuses binance without its credentials (exit 2), naming both the key and the secret', async () => {
    const result = await cliRun(['--exchange', 'binance']);
    expect(result.code, describeRun(result)).to.equal(2);
    expect(result.stderr).to.include('cannot start the binance exchange');
    expect(result.stderr).to.match(/missing 2 secrets/);
    expect(result.stderr).to.match(/BINANCE_API_KEY: set BINANCE_API_KEY or BINANCE_API_KEY_FILE/);
    expect(result.stderr).to.match(/BINANCE_API_SECRET: set BINANCE_API_SECRET or BINANCE_API_SECRET_FILE/);
  });

  it('names only the missing binance secret when the other one is set', async () => {
    const result = await cliRun(['--exchange', 'binance'], { ...bareEnv(), BINANCE_API_KEY: 'test-binance-key' });
    expect(result.code, describeRun(result)).to.equal(2);
    expect(result.stderr).to.match(/missing 1 secret\b/);
    expect(result.stderr).to.match(/BINANCE_API_SECRET: set BINANCE_API_SECRET or BINANCE_API_SECRET_FILE/);
    expect(result.stderr).to.not.match(/- BINANCE_API_KEY:/);
  });

  it('refuses --testnet together with --mainnet as a usage error (exit 2)', async () => {
    const result = await cliRun(['--exchange', 'hyperliquid', '--testnet', '--mainnet']);
    expect(result.code, describeRun(result)).to.equal(2);
    expect(result.stderr).to.include('--testnet and --mainnet exclude each other');
    expect(result.stderr).to.include('Usage: npm start');
  });
});

describe('npm start on the paper exchange', function () {
  this.timeout(2 * RUN_DEADLINE_MS);

  after(stopAll);

  it('runs with no credential in the environment, rule-based, and prints the summary', async () => {
    const env = bareEnv();
    for (const name of SECRET_NAMES) {
      expect(env[name], name).to.equal(undefined);
      expect(env[`${name}_FILE`], `${name}_FILE`).to.equal(undefined);
    }
    const result = await cliRun(['--events', '2000', '--no-http'], env);
    expect(result.code, describeRun(result)).to.equal(0);
    expect(result.stdout).to.match(/Regent running: seed \d+, synthetic feed .*, paper exchange, stopping after 2000 events/);
    expect(result.stdout).to.match(/Regent run summary \(seed \d+, 2,000 feed events\)/);
    expect(result.stdout).to.match(/PnL per token/);
    expect(result.stderr, 'the LLM path stays off without a key').to.include('no ANTHROPIC_API_KEY: trading is rule-based only');
    expect(result.stderr).to.not.include('LLM trading path enabled');
  });
});

describe('secrets in the logs of a run on a real venue', function () {
  this.timeout(2 * RUN_DEADLINE_MS);

  let dir: string;
  let venue: HyperliquidTestServer;
  let model: MessagesApiServer;

  // Default universe and mids (BTC, ETH, SOL): orders for other tokens are refused as unknown
  // coins, marketable ones fill at the mid, the others are refused as IOC without a match.
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'regent-cli-venues-'));
    venue = await HyperliquidTestServer.start({ signer: new Wallet(TEST_KEY).address });
    model = await MessagesApiServer.start();
    // Agrees to buy, so an answer that comes back in time leads to an order signed with the key.
    model.defaultReply = { text: '{"direction":"buy","confidence":0.9,"sizeFraction":0.5,"reasoning":"scripted buy"}' };
  });

  afterEach(async () => {
    stopAll();
    await venue.close();
    await model.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function expectNoSecret(result: CliResult, secrets: ReadonlyArray<readonly [string, string]>): void {
    for (const [what, needle] of secrets) expect(leaks(result, needle), `${what} in the output`).to.deep.equal([]);
  }

  const privateKeyForms = [
    ['the private key', TEST_KEY],
    ['the private key without 0x', TEST_KEY.slice(2)],
  ] as const;

  it('never prints the private key (from a file) nor the Anthropic key, even at trace level', async () => {
    const keyFile = join(dir, 'hyperliquid-key');
    writeFileSync(keyFile, `${TEST_KEY}\n`, { mode: 0o600 });
    const env = {
      ...bareEnv(),
      HYPERLIQUID_PRIVATE_KEY_FILE: keyFile,
      REGENT_EXCHANGE__BASE_URL: venue.baseUrl,
      ANTHROPIC_API_KEY: ANTHROPIC_KEY,
      REGENT_LLM__BASE_URL: model.baseURL,
    };
    const result = await cliRun(['--exchange', 'hyperliquid', '--testnet', '--log-level', 'trace', '--events', '300', '--no-http'], env);

    expect(result.code, describeRun(result)).to.equal(0);
    expect(result.stdout).to.include('hyperliquid testnet');
    expect(result.stdout).to.match(/Regent run summary \(seed \d+, 300 feed events\)/);
    expect(result.stderr).to.include('"msg":"runtime started"');
    expect(result.stderr, 'the LLM path was on').to.include('LLM trading path enabled');
    // The drain waits for piped model requests, so the run's request reached the model, with the key.
    expect(model.requests.length, 'model requests').to.be.at.least(1);
    for (const request of model.requests) expect(request.apiKey === ANTHROPIC_KEY, 'the model was asked with the key').to.equal(true);
    expectNoSecret(result, [...privateKeyForms, ['the Anthropic key', ANTHROPIC_KEY]]);
  });

  it('never prints the private key (from the environment) while it signs orders the venue accepts', async () => {
    const env = { ...bareEnv(), HYPERLIQUID_PRIVATE_KEY: TEST_KEY.toUpperCase().replace(/^0X/, '0x'), REGENT_EXCHANGE__BASE_URL: venue.baseUrl };
    const result = await cliRun(['--exchange', 'hyperliquid', '--testnet', '--log-level', 'trace', '--events', '2000', '--no-http'], env);

    expect(result.code, describeRun(result)).to.equal(0);
    expect(result.stdout).to.match(/Regent run summary \(seed \d+, 2,000 feed events\)/);
    expect(venue.orderActionsReceived, 'order actions that reached the venue').to.be.greaterThan(0);
    // The venue records an order only when its signature recovers the key's address.
    const ids = [...new Set(result.stderr.match(/rg-[0-9a-f]{32}/g) ?? [])];
    const recorded = ids.filter((id) => venue.ordersRecordedFor(cloidOf(id)) > 0);
    expect(recorded.length, `orders the venue accepted the signature of, among ${ids.length} logged`).to.be.greaterThan(0);
    expectNoSecret(result, privateKeyForms);
  });
});
