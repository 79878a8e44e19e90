import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../../config/load.js';
import { silentLogger } from '../../runtime/logger.js';
import { startRun } from '../../runtime/run.js';

const run = promisify(execFile);
const cli = join(process.cwd(), 'dist/runtime/cli.js');

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
