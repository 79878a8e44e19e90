// Start-up on the real CLI when a store is not there: a Redis or PostgreSQL that refuses the
// connection stops the start with one clear line (exit 1, no stack trace); a SIGTERM while the start
// waits for a store that never answers abandons the start cleanly (exit 0, a line saying so).
import { expect } from 'chai';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { describeRun, envWithout, runNode, startNode, stopAll, type CliResult } from '../support/cli-process.js';
import { freePort } from '../support/free-port.js';
import { waitFor } from '../support/wait.js';

const CLI = join(process.cwd(), 'dist/app/cli.js');
const ARGS = ['--events', '2000', '--no-http'];

const env = (settings: Record<string, string>): NodeJS.ProcessEnv => ({
  ...envWithout(process.env, ['ANTHROPIC_API_KEY', 'OPS_API_TOKEN'], ['REGENT_', 'npm_']),
  ...settings,
});

/** The lines Regent itself wrote to stderr (not log lines). */
const regentLines = (result: CliResult): string[] => result.stderr.split('\n').filter((l) => l.startsWith('regent: '));

const expectOneClearLine = (result: CliResult, line: RegExp): void => {
  expect(result.code, describeRun(result)).to.equal(1);
  expect(regentLines(result), describeRun(result)).to.have.length(1);
  expect(regentLines(result)[0]).to.match(line);
  expect(result.stdout, 'the run never started').to.not.include('Regent running');
  expect(result.stderr, 'no stack trace').to.not.match(/\n\s+at |"stack"/);
};

describe('starting with a store that is not there (real CLI)', function () {
  this.timeout(60_000);
  after(() => stopAll());

  for (const format of ['json', 'pretty']) {
    it(`refuses to start in one clear line when nothing listens on the Redis URL (--log-format ${format})`, async () => {
      const port = await freePort();
      const result = await runNode(CLI, [...ARGS, '--state', 'redis', '--log-format', format], {
        env: env({ REGENT_STATE__URL: `redis://127.0.0.1:${port}`, REGENT_STATE__REQUIRED_AT_START: 'true' }),
        timeoutMs: 30_000,
      });
      expectOneClearLine(result, new RegExp(`^regent: cannot start: Redis at redis://127\\.0\\.0\\.1:${port} is unreachable \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\)$`));
      expect(result.stderr).to.not.include('MaxListenersExceededWarning');
    });

    it(`refuses to start in one clear line when nothing listens on the PostgreSQL URL (--log-format ${format})`, async () => {
      const port = await freePort();
      const result = await runNode(CLI, [...ARGS, '--store', 'postgres', '--log-format', format], {
        env: env({ REGENT_STORE__URL: `postgres://postgres@127.0.0.1:${port}/postgres` }),
        timeoutMs: 30_000,
      });
      expectOneClearLine(
        result,
        new RegExp(`^regent: cannot start: PostgreSQL at postgres://postgres@127\\.0\\.0\\.1:${port}/postgres is unreachable \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\)$`),
      );
    });
  }

  it('starts degraded by default when nothing listens on the Redis URL (Redis is a cache), and says so', async () => {
    const port = await freePort();
    const result = await runNode(CLI, [...ARGS, '--state', 'redis', '--log-format', 'json'], {
      env: env({ REGENT_STATE__URL: `redis://127.0.0.1:${port}` }),
      timeoutMs: 30_000,
    });
    expect(result.code, describeRun(result)).to.equal(0);
    expect(result.stdout).to.include('Regent running');
    expect(result.stdout).to.match(/Regent run summary/);
    expect(result.stderr).to.match(/redis unreachable; state store degraded/);
  });

  it('never shows the password of a store URL it cannot reach', async () => {
    const port = await freePort();
    const result = await runNode(CLI, [...ARGS, '--store', 'postgres', '--log-format', 'json'], {
      env: env({ REGENT_STORE__URL: `postgres://regent:hunter2@127.0.0.1:${port}/postgres` }),
      timeoutMs: 30_000,
    });
    expectOneClearLine(result, new RegExp(`^regent: cannot start: PostgreSQL at postgres://regent:\\*\\*\\*@127\\.0\\.0\\.1:${port}/postgres is unreachable`));
    expect(result.stderr + result.stdout).to.not.include('hunter2');
  });

  describe('a store that accepts connections and never answers', () => {
    // Accepts connections and never answers: the start waits (up to the store's connectTimeoutMs).
    let silent: Server;
    const sockets = new Set<Socket>();
    let accepted = 0;
    let port: number;

    before(async () => {
      port = await freePort();
      silent = createServer((socket) => {
        sockets.add(socket);
        accepted++;
        socket.on('error', () => undefined);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    });

    after(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });

    it('refuses to start in one clear line once state.connectTimeoutMs has passed without an answer from Redis', async () => {
      const result = await runNode(CLI, [...ARGS, '--state', 'redis', '--log-format', 'json'], {
        env: env({ REGENT_STATE__URL: `redis://127.0.0.1:${port}`, REGENT_STATE__CONNECT_TIMEOUT_MS: '300', REGENT_STATE__REQUIRED_AT_START: 'true' }),
        timeoutMs: 30_000,
      });
      expectOneClearLine(result, new RegExp(`^regent: cannot start: Redis at redis://127\\.0\\.0\\.1:${port} is unreachable \\(no answer within 300 ms`));
    });

    it('refuses to start in one clear line once store.connectTimeoutMs has passed without an answer from PostgreSQL', async () => {
      const result = await runNode(CLI, [...ARGS, '--store', 'postgres', '--log-format', 'json'], {
        env: env({ REGENT_STORE__URL: `postgres://postgres@127.0.0.1:${port}/postgres`, REGENT_STORE__CONNECT_TIMEOUT_MS: '300' }),
        timeoutMs: 30_000,
      });
      expectOneClearLine(result, new RegExp(`^regent: cannot start: PostgreSQL at postgres://postgres@127\\.0\\.0\\.1:${port}/postgres is unreachable \\(no answer within 300 ms\\)$`));
    });

    it('abandons the start on a SIGTERM while it waits for Redis, says so and exits 0 (not 143)', async () => {
      const earlier = accepted;
      const cli = startNode(CLI, [...ARGS, '--state', 'redis', '--log-format', 'json'], {
        // Far longer than the spec's own deadline: only the signal can end this start in time.
        env: env({ REGENT_STATE__URL: `redis://127.0.0.1:${port}`, REGENT_STATE__CONNECT_TIMEOUT_MS: '600000', REGENT_STATE__REQUIRED_AT_START: 'true' }),
        timeoutMs: 30_000,
      });
      let ended: CliResult | undefined;
      void cli.ended.then((result) => (ended = result));
      await waitFor('the CLI to connect to Redis', () => ended !== undefined || accepted > earlier, 20_000);
      expect(ended && describeRun(ended), 'the start must still be waiting for Redis').to.equal(undefined);
      cli.signal('SIGTERM');
      const result = await cli.ended;
      expect(result.timedOut, describeRun(result)).to.equal(false);
      expect(result.signal, describeRun(result)).to.equal(null);
      expect(result.code, describeRun(result)).to.equal(0);
      expect(result.stdout).to.not.include('Regent running');
      expect(regentLines(result), describeRun(result)).to.deep.equal(['regent: SIGTERM during start-up: the start was abandoned; nothing ran']);
      expect(result.stderr).to.not.match(/still busy/);
    });
  });
});
