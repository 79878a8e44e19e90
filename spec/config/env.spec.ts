// REGENT_* variables as config: map keys keep the case they are written in (a token is BTC, not
// btc), per-token limits reach the pre-trade checks, and numbers are decimal only, as in files.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preTradeLimitsOf } from '../../actors/execution/safety/safety-gate.js';
import { preTradeCheck, type PreTradeInput } from '../../actors/execution/safety/pre-trade.js';
import { configErrorOf } from '../support/config-error.js';
import { loadConfig } from '../../config/load.js';


/** Buy 0.01 BTC at 30,000 (notional 300) on an empty book with 100,000 equity. */
const SMALL_BTC_BUY: PreTradeInput = {
  order: { token: 'BTC', side: 'buy', size: 0.01, price: 30_000, reduceOnly: false },
  positions: {},
  equity: 100_000,
  availableBalance: 100_000,
  losses: { daily: 0, weekly: 0, monthly: 0 },
  killSwitch: { active: false },
  activeLocks: [],
  exchangeBreaker: { allowed: true },
  orderRateLimit: { allowed: true },
  correlations: {},
};

describe('config/env: map keys', () => {
  it('keeps the case of a per-token override key and the pre-trade check applies it', () => {
    const config = loadConfig({ env: { REGENT_EXECUTION__POSITION_LIMIT_OVERRIDES__BTC__MAX_NOTIONAL: '1' } });
    expect(config.execution.positionLimitOverrides).to.deep.equal({ BTC: { maxNotional: 1 } });

    const limits = preTradeLimitsOf(config.execution);
    const decision = preTradeCheck(SMALL_BTC_BUY, limits);
    expect(decision).to.include({ verdict: 'REJECT', reason: 'position-notional-limit' });
    expect(decision.detail).to.contain('exceeds 1');
    // The same order in another token is under the default 25,000 limit.
    const eth = preTradeCheck({ ...SMALL_BTC_BUY, order: { ...SMALL_BTC_BUY.order, token: 'ETH' } }, limits);
    expect(eth.reason).to.not.equal('position-notional-limit');
  });

  it('merges env and file overrides of the same token under one key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'regent-env-'));
    try {
      const file = join(dir, 'limits.yaml');
      writeFileSync(file, 'execution:\n  positionLimitOverrides:\n    BTC:\n      maxSize: 2\n');
      const config = loadConfig({ env: { REGENT_EXECUTION__POSITION_LIMIT_OVERRIDES__BTC__MAX_NOTIONAL: '5000' }, file });
      expect(config.execution.positionLimitOverrides).to.deep.equal({ BTC: { maxSize: 2, maxNotional: 5000 } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('still maps topic variables onto the catalog names', () => {
    const config = loadConfig({ env: { REGENT_TOPIC_PARTITIONS__PRICE_TICKS: '12', REGENT_TOPIC_PARTITIONS__LLM_DECISIONS: '2' } });
    expect(config.topicPartitions).to.deep.equal({ 'price.ticks': 12, 'llm.decisions': 2 });
  });

  it('refuses an override for a token that is not traded, naming the variable that set it', () => {
    const error = configErrorOf(() =>
      loadConfig({
        env: {
          REGENT_FEED__TOKENS: 'BTC,ETH',
          REGENT_EXECUTION__POSITION_LIMIT_OVERRIDES__XRP__MAX_NOTIONAL: '1',
          REGENT_HTTP__PORT: '70000',
        },
      }),
    );
    expect(error.issues.map((i) => i.path).sort()).to.deep.equal(['execution.positionLimitOverrides.XRP', 'http.port']);
    const xrp = error.issues.find((i) => i.path === 'execution.positionLimitOverrides.XRP')!;
    expect(xrp).to.include({ source: 'env', envVar: 'REGENT_EXECUTION__POSITION_LIMIT_OVERRIDES__XRP__MAX_NOTIONAL' });
    expect(error.message).to.contain(
      '  - execution.positionLimitOverrides.XRP (env REGENT_EXECUTION__POSITION_LIMIT_OVERRIDES__XRP__MAX_NOTIONAL): XRP is not a traded token (feed.tokens: BTC, ETH)',
    );
  });

  it('refuses an untraded override from a file, naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'regent-env-'));
    try {
      const file = join(dir, 'limits.json');
      writeFileSync(file, JSON.stringify({ execution: { positionLimitOverrides: { btc: { maxSize: 1 } } } }));
      const error = configErrorOf(() => loadConfig({ env: {}, file }));
      expect(error.issues).to.have.length(1);
      expect(error.issues[0]).to.include({ path: 'execution.positionLimitOverrides.btc', source: 'file', file });
      expect(error.issues[0]!.message).to.contain('btc is not a traded token');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('config/env: numbers', () => {
  for (const raw of ['0x10', '0b1', '0o7', 'Infinity', '1_000', '12abc']) {
    it(`refuses ${raw} where a number is expected`, () => {
      const error = configErrorOf(() => loadConfig({ env: { REGENT_SEED: raw } }));
      expect(error.issues).to.have.length(1);
      expect(error.issues[0]).to.include({ path: 'seed', received: JSON.stringify(raw), envVar: 'REGENT_SEED' });
    });
  }

  it('reads decimal numbers, signed, fractional and with an exponent', () => {
    const config = loadConfig({
      env: { REGENT_SEED: '16', REGENT_EXECUTION__MAX_LEVERAGE: '2.5', REGENT_EXECUTION__INITIAL_BALANCE: '1e5', REGENT_TRADING__THRESHOLD: '.5', REGENT_HTTP__PORT: ' 8080 ' },
    });
    expect(config).to.deep.include({ seed: 16 });
    expect(config.execution).to.include({ maxLeverage: 2.5, initialBalance: 100_000 });
    expect(config.trading.threshold).to.equal(0.5);
    expect(config.http.port).to.equal(8080);
  });

  it('refuses a hex or octal number in a YAML file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'regent-env-'));
    try {
      const file = join(dir, 'c.yaml');
      writeFileSync(file, 'seed: 0x10\nhttp:\n  port: 0o17\ntrading:\n  threshold: 0.5\n');
      const error = configErrorOf(() => loadConfig({ env: {}, file }));
      expect(error.issues.map((i) => `${i.path} ${i.received}`).sort()).to.deep.equal(['http.port "0o17"', 'seed "0x10"']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('config/env: broker lists', () => {
  it('says host:port is expected and names the bad broker', () => {
    const error = configErrorOf(() => loadConfig({ env: { REGENT_EVENT_LOG__KIND: 'kafka', REGENT_EVENT_LOG__BROKERS: 'k0:9092,nocolon' } }));
    expect(error.issues).to.have.length(1);
    expect(error.issues[0]).to.include({ path: 'eventLog.brokers.1', received: '"nocolon"', envVar: 'REGENT_EVENT_LOG__BROKERS' });
    expect(error.message).to.contain('eventLog.brokers.1 (env REGENT_EVENT_LOG__BROKERS): expected host:port (e.g. 127.0.0.1:9092), got "nocolon"');
  });
});
