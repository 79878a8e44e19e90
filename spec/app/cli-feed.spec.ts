// The CLI's checks on a file feed, run as a child process: a missing file stops it before the
// runtime starts (exit 2); a file with no rows is a warning, and an --events count the feed cannot
// meet is a failure that says how many events the feed had.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeRun, envWithout, runNode, stopAll } from '../support/cli-process.js';

const cli = join(process.cwd(), 'dist/app/cli.js');
const env = envWithout(process.env, [], ['REGENT_']);
const regent = (args: readonly string[]) => runNode(cli, ['--no-http', ...args], { env, timeoutMs: 30_000 });

describe('the CLI with a file feed', function () {
  this.timeout(40_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'regent-cli-feed-'));
  });
  after(() => {
    stopAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a missing feed file before the runtime starts, with exit code 2', async () => {
    const missing = join(dir, 'nowhere.csv');
    const result = await regent(['--feed', 'csv', '--feed-path', missing, '--events', '10']);
    expect(result.code, describeRun(result)).to.equal(2);
    expect(result.stderr).to.include(`regent: feed file ${missing} (feed.path): not found`);
    expect(result.stdout).to.not.include('Regent running');
  });

  it('refuses a directory as the feed file, with exit code 2', async () => {
    const result = await regent(['--feed', 'jsonl', '--feed-path', dir]);
    expect(result.code, describeRun(result)).to.equal(2);
    expect(result.stderr).to.include(`regent: feed file ${dir} (feed.path): is a directory`);
  });

  it('warns about a header-only file and fails an --events count it cannot meet, saying how many it had', async () => {
    const path = join(dir, 'header.csv');
    writeFileSync(path, 'ts,token,open,high,low,close,volume\n');
    const short = await regent(['--feed', 'csv', '--feed-path', path, '--events', '10']);
    expect(short.code, describeRun(short)).to.equal(3);
    expect(short.stderr).to.include(`${path}: the file has a header but no rows`);
    expect(short.stderr).to.include('regent: the feed ended after 0 of the 10 events asked for (--events 10)');
    const unbounded = await regent(['--feed', 'csv', '--feed-path', path, '--log-level', 'silent']);
    expect(unbounded.code, describeRun(unbounded)).to.equal(0);
    expect(unbounded.stderr).to.include('regent: warning: the feed had no events');
  });

  it('fails an --events count a short file cannot meet', async () => {
    const path = join(dir, 'short.jsonl');
    writeFileSync(path, [60000, 60010, 60020].map((price, i) => JSON.stringify({ type: 'price.tick', ts: 1767225600000 + i * 1000, token: 'BTC', data: { price } })).join('\n') + '\n');
    const result = await regent(['--feed', 'jsonl', '--feed-path', path, '--events', '5', '--log-level', 'silent']);
    expect(result.code, describeRun(result)).to.equal(3);
    expect(result.stdout).to.match(/Regent run summary \(seed 42, 3 feed events\)/);
    expect(result.stderr).to.include('regent: the feed ended after 3 of the 5 events asked for (--events 5)');
    const exact = await regent(['--feed', 'jsonl', '--feed-path', path, '--events', '3', '--log-level', 'silent']);
    expect(exact.code, describeRun(exact)).to.equal(0);
  });
});
