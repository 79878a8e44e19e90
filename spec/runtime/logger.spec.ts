// The logger factory's choice of form and level: readable at warn on a terminal, JSON at info
// elsewhere, flags forcing either, an explicit level always winning; and that a fatal line written
// just before the process exits (even by process.exit) reaches stderr in both forms.
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { chooseLogOutput, type Terminal } from '../../runtime/observe/logger.js';
import { describeRun, runNode, stopAll } from '../support/cli-process.js';

const terminal: Terminal = { stderrIsTTY: true, stdoutIsTTY: true, noColor: false };
const piped: Terminal = { stderrIsTTY: false, stdoutIsTTY: false, noColor: false };

describe('chooseLogOutput', () => {
  it('is readable at warn, clearing the progress row, in colour, when both streams are a terminal', () => {
    expect(chooseLogOutput({ format: 'auto' }, terminal)).to.deep.equal({
      format: 'pretty',
      level: 'warn',
      pretty: { clearLine: true, colorize: true },
    });
  });

  it('is JSON at info when stderr is not a terminal', () => {
    expect(chooseLogOutput({ format: 'auto' }, piped)).to.deep.include({ format: 'json', level: 'info' });
    expect(chooseLogOutput({ format: 'auto' }, { ...terminal, stderrIsTTY: false })).to.deep.include({ format: 'json', level: 'info' });
  });

  it('is readable when only stderr is a terminal, without clearing a row stdout does not draw on', () => {
    expect(chooseLogOutput({ format: 'auto' }, { ...terminal, stdoutIsTTY: false })).to.deep.equal({
      format: 'pretty',
      level: 'warn',
      pretty: { clearLine: false, colorize: true },
    });
  });

  it('gives JSON at info on a terminal with --log-format json', () => {
    expect(chooseLogOutput({ format: 'json' }, terminal)).to.deep.include({ format: 'json', level: 'info' });
  });

  it('gives the readable form without escape codes off a terminal with --log-format pretty', () => {
    expect(chooseLogOutput({ format: 'pretty' }, piped)).to.deep.equal({
      format: 'pretty',
      level: 'warn',
      pretty: { clearLine: false, colorize: false },
    });
  });

  it('lets an explicit level override the default of either form', () => {
    expect(chooseLogOutput({ format: 'auto', level: 'info' }, terminal)).to.deep.include({ format: 'pretty', level: 'info' });
    expect(chooseLogOutput({ format: 'auto', level: 'debug' }, piped)).to.deep.include({ format: 'json', level: 'debug' });
    expect(chooseLogOutput({ format: 'json', level: 'error' }, terminal)).to.deep.include({ format: 'json', level: 'error' });
  });

  it('does not colour with NO_COLOR set', () => {
    expect(chooseLogOutput({ format: 'auto' }, { ...terminal, noColor: true }).pretty.colorize).to.equal(false);
  });
});

describe('createOutputLogger on exit', function () {
  this.timeout(30_000);
  after(stopAll);
  const script = fileURLToPath(new URL('../support/log-then-exit.js', import.meta.url));

  for (const format of ['json', 'pretty'] as const) {
    for (const exit of ['return', 'process.exit'] as const) {
      it(`writes the last ${format} lines, a fatal one included, when the process ends by ${exit}`, async () => {
        const result = await runNode(script, [format, exit], { env: { PATH: process.env['PATH'] ?? '' }, timeoutMs: 20_000 });
        expect(result.timedOut, `the process must exit by itself\n${describeRun(result)}`).to.equal(false);
        expect(result.code, describeRun(result)).to.equal(exit === 'return' ? 0 : 3);
        const lines = result.stderr.split('\n').filter(Boolean);
        expect(lines, describeRun(result)).to.have.length(101);
        const last = lines[lines.length - 1]!;
        if (format === 'json') {
          expect(JSON.parse(last)).to.include({ level: 60, msg: 'going down', n: 100 });
        } else {
          expect(last).to.not.match(/^\{/);
          expect(last).to.match(/FATAL.*going down/);
          expect(last).to.include('"n":100');
        }
      });
    }
  }
});
