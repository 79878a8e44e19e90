// Acceptance of the CLI's log output, by spawning the compiled CLI: JSON lines at info on stderr
// when stderr is not a terminal or with --log-format json, readable lines with --log-format pretty
// (warn and above unless --log-level says otherwise), and on a real terminal (a pseudo-terminal
// from `script`) the progress line and summary with no JSON flood.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeRun, envWithout, runCommand, runNode, stopAll, type CliResult } from '../support/cli-process.js';

const cli = fileURLToPath(new URL('../../app/cli.js', import.meta.url));
const RUN_DEADLINE_MS = 60_000;
// Enough events for a few orders, so the run logs pre-trade decisions at info.
const RUN = ['--events', '2000', '--seed', '7', '--no-http'];
const SCRIPT = '/usr/bin/script';

function env(): NodeJS.ProcessEnv {
  return envWithout(process.env, ['ANTHROPIC_API_KEY', 'NO_COLOR', 'FORCE_COLOR'], ['REGENT_']);
}

function cliRun(args: readonly string[]): Promise<CliResult> {
  return runNode(cli, [...RUN, ...args], { env: env(), timeoutMs: RUN_DEADLINE_MS });
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

function expectJsonLinesAtInfo(result: CliResult): void {
  expect(result.code, describeRun(result)).to.equal(0);
  const logged = lines(result.stderr).map((line) => {
    try {
      return JSON.parse(line) as { level: number; msg: string };
    } catch {
      throw new Error(`stderr line is not JSON: ${line}\n${describeRun(result)}`);
    }
  });
  expect(logged.filter((l) => l.level === 30).map((l) => l.msg), describeRun(result)).to.include('pre-trade decision');
  expect(result.stdout).to.include('Regent run summary');
}

describe('npm start log output', function () {
  this.timeout(2 * RUN_DEADLINE_MS);
  after(stopAll);

  it('writes JSON lines at info to stderr by default when stderr is not a terminal', async () => {
    expectJsonLinesAtInfo(await cliRun([]));
  });

  it('writes JSON lines at info to stderr with --log-format json', async () => {
    expectJsonLinesAtInfo(await cliRun(['--log-format', 'json']));
  });

  it('writes readable one-line logs with --log-format pretty --log-level info, no JSON and no escape codes', async () => {
    const result = await cliRun(['--log-format', 'pretty', '--log-level', 'info']);
    expect(result.code, describeRun(result)).to.equal(0);
    const logged = lines(result.stderr);
    expect(logged.filter((line) => line.startsWith('{')), describeRun(result)).to.deep.equal([]);
    expect(logged.find((line) => /INFO.*pre-trade decision/.test(line)), describeRun(result)).to.be.a('string');
    expect(result.stderr).to.not.include('\x1b');
  });

  it('shows only warn and above in the readable form unless --log-level says otherwise', async () => {
    const result = await cliRun(['--log-format', 'pretty']);
    expect(result.code, describeRun(result)).to.equal(0);
    expect(lines(result.stderr).filter((line) => /\b(INFO|DEBUG|TRACE)\b/.test(line)), describeRun(result)).to.deep.equal([]);
    expect(result.stdout).to.include('Regent run summary');
  });

  it('refuses an unknown --log-format with exit 2, naming the choices', async () => {
    const result = await cliRun(['--log-format', 'xml']);
    expect(result.code, describeRun(result)).to.equal(2);
    expect(result.stderr).to.include('logFormat');
    expect(result.stderr).to.match(/auto.*json.*pretty/);
  });

  it('writes the fatal line of a failed start in the readable form before exiting 1', async () => {
    // A server that answers and refuses (no such database): an unexpected failure, logged as fatal.
    // (One that cannot be reached at all is a one-line refusal: cli-start-up.spec.ts.)
    const result = await runNode(cli, ['--store', 'postgres', '--log-format', 'pretty', '--no-http'], {
      env: { ...env(), REGENT_STORE__URL: 'postgres://postgres@127.0.0.1:5432/regent_spec_no_such_database' },
      timeoutMs: RUN_DEADLINE_MS,
    });
    expect(result.code, describeRun(result)).to.equal(1);
    expect(result.stderr, describeRun(result)).to.match(/FATAL.*start failed/);
  });

  describe('on a terminal', function () {
    before(function () {
      if (!existsSync(SCRIPT)) this.skip();
    });

    /**
     * The CLI under a pseudo-terminal: stdout and stderr are one TTY, captured together. Paced to
     * about 2 s so the progress line (drawn once a second) shows at least once.
     */
    function ttyRun(args: readonly string[]): Promise<CliResult> {
      const command = [process.execPath, cli, ...RUN, '--rate', '1000', ...args].map((a) => `'${a}'`).join(' ');
      return runCommand(SCRIPT, ['-qec', command, '/dev/null'], { env: { ...env(), TERM: 'xterm' }, timeoutMs: RUN_DEADLINE_MS });
    }

    it('shows the progress line and the summary, and no JSON log line', async () => {
      const result = await ttyRun([]);
      expect(result.code, describeRun(result)).to.equal(0);
      expect(result.stdout).to.match(/\r\[ *\d+\.\ds\] events/);
      expect(result.stdout).to.include('Regent run summary');
      expect(result.stdout).to.not.include('{"level"');
      expect(result.stdout).to.not.include('pre-trade decision');
    });

    it('with --log-level info, starts each readable line by clearing the progress row', async () => {
      const result = await ttyRun(['--log-level', 'info']);
      expect(result.code, describeRun(result)).to.equal(0);
      expect(result.stdout).to.not.include('{"level"');
      // eslint-disable-next-line no-control-regex
      expect(result.stdout).to.match(/\r\x1b\[2K[^\n]*INFO[^\n]*pre-trade decision/);
      expect(result.stdout).to.include('Regent run summary');
    });
  });
});
