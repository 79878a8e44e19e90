// A seeded run's result depends on the seed and the event count, never on wall-clock pacing:
// `--rate` only decides when the feed's chunks are published, not where they begin and end.
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeRun, runNode, stopAll } from '../support/cli-process.js';

const cli = join(process.cwd(), 'dist/app/cli.js');

describe('a paced run', function () {
  this.timeout(60_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'regent-pacing-'));
  });

  after(() => {
    stopAll();
    rmSync(dir, { recursive: true, force: true });
  });

  async function summary(name: string, extra: readonly string[]): Promise<unknown> {
    const out = join(dir, `${name}.json`);
    const result = await runNode(cli, ['--seed', '7', '--events', '5000', '--no-http', '--log-level', 'silent', '--summary-json', out, ...extra], {
      env: { PATH: process.env['PATH'] ?? '' },
      timeoutMs: 30_000,
    });
    expect(result.code, describeRun(result)).to.equal(0);
    return JSON.parse(readFileSync(out, 'utf8'));
  }

  it('gives the same summary as the unpaced run of the same seed', async () => {
    const unpaced = await summary('unpaced', []);
    // 9,000 events/s: a run of about 0.6 s, paced in steps smaller than the unpaced chunks.
    const paced = await summary('paced', ['--rate', '9000']);
    expect(paced).to.deep.equal(unpaced);
  });
});
