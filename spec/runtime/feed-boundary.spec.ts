// A whole Regent fed from a file: what the feed boundary refuses never reaches an actor. It is
// dead-lettered with its reason (the record keeps the whole line, the log line a clipped one).
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MemoryEventLog } from '../../adapters/eventlog/memory/memory-event-log.js';
import { loadConfig } from '../../config/load.js';
import type { PositionState } from '../../actors/position/position-math.js';
import type { ExecutionState } from '../../actors/execution/state.js';
import { createLogger } from '../../runtime/observe/logger.js';
import { createRegent, type Regent } from '../../app/compose.js';
import { waitFor } from '../support/wait.js';

const T0 = 1767225600000;

interface Letter {
  readonly reason: string;
  readonly detail: string;
  readonly original: string;
}

function deadLetters(regent: Regent, topic = 'price.ticks.dlq'): Letter[] {
  const log = regent.eventLog as MemoryEventLog;
  const out: Letter[] = [];
  for (let partition = 0; partition < log.partitionsOf(topic); partition++) {
    for (const r of log.read({ topic, partition })) out.push(JSON.parse(r.value.toString()) as Letter);
  }
  return out;
}

describe('the feed boundary in a running Regent', function () {
  this.timeout(30_000);
  let dir: string;
  let regent: Regent | undefined;
  let logLines: string[];

  const start = async (kind: 'csv' | 'jsonl', lines: readonly string[]) => {
    const path = join(dir, `feed.${kind}`);
    writeFileSync(path, lines.join('\n') + '\n');
    const config = loadConfig({ env: {}, overrides: { feed: { kind, path }, http: { enabled: false } } });
    const logger = createLogger('warn', { write: (line: string) => void logLines.push(line) });
    regent = createRegent(config, { logger });
    await regent.runtime.start();
    await regent.pump.run();
    await regent.runtime.whenIdle({ timeoutMs: 10_000 });
    return regent;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'regent-feed-run-'));
    logLines = [];
  });
  afterEach(async () => {
    await regent?.runtime.stop();
    await regent?.close();
    regent = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('dead-letters order.command and trade.executed lines: no kill switch, no position', async () => {
    const r = await start('jsonl', [
      JSON.stringify({ type: 'price.tick', ts: T0, token: 'BTC', data: { price: 60000, volume: 1 } }),
      JSON.stringify({ type: 'order.command', ts: T0 + 1000, data: { action: 'kill-switch', mode: 'activate', by: 'operator', reason: 'from a feed' } }),
      JSON.stringify({
        type: 'trade.executed',
        ts: T0 + 2000,
        token: 'BTC',
        data: { clientOrderId: 'c1', fillId: 'f1', side: 'buy', size: 1000, price: 30000, fee: 0, slippageBps: 0, referencePrice: 30000, reduceOnly: false, venue: 'paper' },
      }),
      JSON.stringify({ type: 'price.tick', ts: T0 + 3000, token: 'BTC', data: { price: 60010, volume: 1 } }),
    ]);
    const letters = await waitFor('two dead letters', () => (deadLetters(r).length >= 2 ? deadLetters(r) : undefined));
    expect(letters.map((l) => l.reason)).to.deep.equal(['type-not-allowed-from-feed', 'type-not-allowed-from-feed']);
    expect(JSON.parse(letters[1]!.original).type).to.equal('trade.executed');
    expect(r.pump.produced).to.equal(2);
    const execution = r.runtime.states<ExecutionState>('execution').get('execution');
    expect(execution?.safety.killSwitch.active ?? false, 'kill switch active').to.equal(false);
    const positions = [...r.runtime.states<PositionState>('position').values()].filter((p) => p.size !== 0);
    expect(positions, 'open positions').to.deep.equal([]);
    expect(await r.runtime.metrics.total(r.runtime.metrics.deadLetters, { reason: 'type-not-allowed-from-feed' })).to.equal(2);
    expect(await r.runtime.metrics.total(r.runtime.metrics.published, { topic: 'order.commands' })).to.equal(0);
  });

  it('dead-letters a 1e300 price as implausible-price and trips nothing', async () => {
    const r = await start('csv', [
      'ts,token,open,high,low,close,volume',
      `${T0},BTC,60000,60000,60000,60000,1`,
      `${T0 + 60_000},BTC,60000,1e300,60000,1e300,1`,
      `${T0 + 120_000},BTC,60000,60100,59900,60050,1`,
    ]);
    const letters = await waitFor('a dead letter', () => (deadLetters(r).length >= 1 ? deadLetters(r) : undefined));
    expect(letters.map((l) => l.reason)).to.deep.equal(['implausible-price']);
    expect(r.pump.produced).to.equal(2);
    expect(r.runtime.states<ExecutionState>('execution').get('execution')?.safety.killSwitch.active ?? false).to.equal(false);
  });

  it('logs a 10 MB bad line clipped, with its length, and keeps it whole in the dead letter', async () => {
    const big = `{"type":"${'x'.repeat(10 * 1024 * 1024)}","ts":${T0},"token":"BTC","data":{}}`;
    const r = await start('jsonl', [big]);
    const letters = await waitFor('a dead letter', () => (deadLetters(r).length >= 1 ? deadLetters(r) : undefined));
    expect(letters[0]!.original).to.have.length(big.length);
    const logged = await waitFor('the dead-letter log line', () => logLines.find((l) => l.includes('"dead letter"')));
    expect(logLines.every((l) => l.length < 4096), `log line lengths ${logLines.map((l) => l.length).join(', ')}`).to.equal(true);
    expect(letters[0]!.reason).to.equal('type-not-allowed-from-feed');
    expect(logged).to.include(`(${10 * 1024 * 1024 + 2} chars)`);
  });
});
