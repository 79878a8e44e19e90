// `npm start -- --print-tree`, run as a child process: prints the supervision tree the configuration
// would run, with OTP's flags, and exits 0 without starting anything.
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { describeRun, envWithout, runNode, stopAll } from '../support/cli-process.js';

const cli = fileURLToPath(new URL('../../app/cli.js', import.meta.url));

describe('npm start -- --print-tree', () => {
  after(() => stopAll());
  const env = { ...envWithout(process.env, ['ANTHROPIC_API_KEY'], ['REGENT_']), REGENT_SUPERVISION__MAX_RESTARTS: '4' };

  it('prints the tree of the embedded default, supervisors with their flags and workers with theirs, and starts nothing', async () => {
    const result = await runNode(cli, ['--print-tree'], { env, timeoutMs: 30_000 });
    expect(result.code, describeRun(result)).to.equal(0);
    expect(result.stdout).to.not.include('Regent running');
    expect(result.stdout.trimEnd().split('\n')).to.deep.equal([
      'root  supervisor one_for_one, intensity 4 per 60000 ms, shutdown infinity',
      '├── agents  supervisor one_for_one, intensity 4 per 60000 ms, shutdown infinity',
      '│   ├── trading  supervisor simple_one_for_one, intensity 4 per 60000 ms, shutdown infinity',
      '│   │   └── trading:<key>  worker permanent, shutdown 5000 ms, one per key, on demand',
      '│   ├── sentiment  supervisor simple_one_for_one, intensity 4 per 60000 ms, shutdown infinity',
      '│   │   └── sentiment:<key>  worker permanent, shutdown 5000 ms, one per key, on demand',
      '│   ├── risk:risk  worker permanent, shutdown 5000 ms, on demand',
      '│   ├── execution:execution  worker permanent, shutdown 5000 ms, on demand',
      '│   └── alerting:alerting  worker permanent, shutdown 5000 ms, on demand',
      '├── positions  supervisor simple_one_for_one, intensity 4 per 60000 ms, shutdown infinity',
      '│   └── position:<key>  worker permanent, shutdown 5000 ms, one per key, on demand',
      '└── infra  supervisor one_for_one, intensity 4 per 60000 ms, shutdown infinity',
      '    ├── event-log-consumer  worker permanent, shutdown 20000 ms',
      '    ├── singleton-consumer  worker permanent, shutdown 20000 ms',
      '    ├── venue-fills  worker permanent, shutdown 2000 ms',
      '    └── http  worker permanent, shutdown 2000 ms',
    ]);
  });

  it('shows the store writer and the jobs a PostgreSQL store brings, without connecting to it', async () => {
    // Nothing listens on port 1: a connection attempt would fail the command.
    const result = await runNode(cli, ['--print-tree', '--store', 'postgres', '--no-http'], { env: { ...env, REGENT_STORE__URL: 'postgres://127.0.0.1:1/none' }, timeoutMs: 30_000 });
    expect(result.code, describeRun(result)).to.equal(0);
    const infra = result.stdout.split('\n').filter((l) => l.startsWith('    ')).map((l) => l.slice(8).split('  ')[0]);
    expect(infra).to.deep.equal(['store-writer', 'event-log-consumer', 'singleton-consumer', 'partition-maintenance', 'venue-fills']);
  });
});
