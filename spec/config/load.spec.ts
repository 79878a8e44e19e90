// loadConfig: defaults < file (JSON/YAML) < REGENT_* env < overrides, one validation, and a
// ConfigError that lists every bad field with its path and where the value came from.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config/load.js';
import { defaultConfig } from '../../config/schema.js';
import { ConfigError } from '../../config/config-error.js';
import { configErrorOf } from '../support/config-error.js';


describe('config/load', () => {
  let dir: string;
  const write = (name: string, text: string): string => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'regent-config-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe('defaults', () => {
    it('gives every setting its documented default with an empty environment', () => {
      const config = loadConfig({ env: {} });
      expect(config).to.deep.equal(defaultConfig());
      expect(config.seed).to.equal(42);
      expect(config.logLevel, 'unset: the log form picks its default level').to.equal(undefined);
      expect(config.logFormat).to.equal('auto');
      expect(config.http).to.deep.equal({ enabled: true, host: '127.0.0.1', port: 9464, allowedHosts: [] });
      expect(config.eventLog).to.deep.equal({
        kind: 'memory',
        brokers: ['127.0.0.1:9092'],
        clientId: 'regent',
        createTopics: true,
        connectTimeoutMs: 10_000,
        idempotentProducer: true,
        groupId: 'regent',
        sessionTimeoutMs: 30_000,
        heartbeatIntervalMs: 3000,
        retryInitialMs: 1000,
        retryMaxMs: 16_000,
        maxWaitTimeMs: 250,
        retention: 'committed',
        retentionRecords: 1000,
        maxBatchSize: 256,
        maxInFlightBatches: 8,
        tls: { enabled: false, rejectUnauthorized: true },
      });
      expect(config.feed.tokens).to.deep.equal(['BTC', 'ETH', 'SOL', 'ARB', 'DOGE']);
      expect(config.feed.startTime).to.equal(Date.UTC(2026, 0, 1));
      expect(config.trading.weights).to.deep.equal({ sma: 0.2, ema: 0.2, rsi: 0.2, macd: 0.2, bollinger: 0.2 });
      expect(config.execution.sizing.mode).to.equal('fixed-fraction');
      expect(config.supervision.maxRestarts).to.equal(10);
      expect(config.snapshotEvery).to.equal(100);
      expect(config.events).to.equal(undefined);
      expect(config.topicPartitions).to.equal(undefined);
    });
  });

  describe('files', () => {
    it('reads settings from a JSON file and keeps defaults for the rest', () => {
      const file = write('regent.json', JSON.stringify({ seed: 7, http: { port: 8080 }, execution: { sizing: { mode: 'kelly' } } }));
      const config = loadConfig({ env: {}, file });
      expect(config.seed).to.equal(7);
      expect(config.http).to.deep.equal({ enabled: true, host: '127.0.0.1', port: 8080, allowedHosts: [] });
      expect(config.execution.sizing).to.include({ mode: 'kelly', kellyCap: 0.25 });
    });

    it('reads settings from a YAML file named by REGENT_CONFIG', () => {
      const file = write(
        'regent.yaml',
        ['logLevel: debug', 'feed:', '  tokens: [BTC, SOL]', '  tickIntervalMs: 250', 'topicPartitions:', '  price.ticks: 16', ''].join('\n'),
      );
      const config = loadConfig({ env: { REGENT_CONFIG: file } });
      expect(config.logLevel).to.equal('debug');
      expect(config.feed.tokens).to.deep.equal(['BTC', 'SOL']);
      expect(config.feed.tickIntervalMs).to.equal(250);
      expect(config.topicPartitions).to.deep.equal({ 'price.ticks': 16 });
    });

    it('accepts the .yml extension and an empty YAML file', () => {
      expect(loadConfig({ env: {}, file: write('empty.yml', '') })).to.deep.equal(defaultConfig());
    });

    it('fails naming the file when it cannot be read', () => {
      const missing = join(dir, 'missing.json');
      const error = configErrorOf(() => loadConfig({ env: {}, file: missing }));
      expect(error.exitCode).to.equal(2);
      expect(error.issues).to.have.length(1);
      expect(error.issues[0]).to.include({ source: 'file', file: missing });
      expect(error.message).to.contain(missing).and.to.contain('cannot read config file');
    });

    it('fails naming the file when it is not valid JSON or YAML', () => {
      const json = write('broken.json', '{ "seed": 1,');
      expect(configErrorOf(() => loadConfig({ env: {}, file: json })).message).to.contain(json).and.to.contain('cannot parse');
      const yaml = write('broken.yaml', 'feed:\n  tokens: [BTC\n');
      expect(configErrorOf(() => loadConfig({ env: {}, file: yaml })).message).to.contain(yaml).and.to.contain('cannot parse');
      const list = write('list.yaml', '- 1\n- 2\n');
      expect(configErrorOf(() => loadConfig({ env: {}, file: list })).message).to.contain('must hold an object');
    });

    it('rejects a file extension it cannot parse', () => {
      const file = write('regent.toml', 'seed = 1');
      expect(configErrorOf(() => loadConfig({ env: {}, file })).message).to.contain('unsupported config file type ".toml"');
    });
  });

  describe('environment', () => {
    it('nests on double underscores and camel-cases each segment', () => {
      const config = loadConfig({
        env: {
          REGENT_SEED: '9',
          REGENT_LOG_LEVEL: 'warn',
          REGENT_EXECUTION__SIZING__MODE: 'kelly',
          REGENT_EXECUTION__MAX_LEVERAGE: '2.5',
          REGENT_HTTP__PORT: '0',
          REGENT_SUPERVISION__MAX_MESSAGE_RETRIES: '5',
        },
      });
      expect(config.seed).to.equal(9);
      expect(config.logLevel).to.equal('warn');
      expect(config.execution.sizing.mode).to.equal('kelly');
      expect(config.execution.maxLeverage).to.equal(2.5);
      expect(config.http.port).to.equal(0);
      expect(config.supervision.maxMessageRetries).to.equal(5);
    });

    it('coerces booleans and comma lists only where the schema expects them', () => {
      const config = loadConfig({
        env: { REGENT_HTTP__ENABLED: 'false', REGENT_FEED__TOKENS: 'BTC, ETH,SOL', REGENT_HTTP__HOST: '0.0.0.0' },
      });
      expect(config.http.enabled).to.equal(false);
      expect(config.http.host).to.equal('0.0.0.0');
      expect(config.feed.tokens).to.deep.equal(['BTC', 'ETH', 'SOL']);
    });

    it('keeps a numeric-looking value a string where the schema expects a string', () => {
      const config = loadConfig({ env: { REGENT_FEED__KIND: 'csv', REGENT_FEED__PATH: '2024' } });
      expect(config.feed.path).to.equal('2024');
    });

    it('maps topic partition variables to dotted topic names', () => {
      const config = loadConfig({ env: { REGENT_TOPIC_PARTITIONS__PRICE_TICKS: '12' } });
      expect(config.topicPartitions).to.deep.equal({ 'price.ticks': 12 });
    });

    it('ignores REGENT_CONFIG as a setting and treats empty variables as unset', () => {
      const config = loadConfig({ env: { REGENT_CONFIG: '', REGENT_SEED: '' } });
      expect(config.seed).to.equal(42);
    });
  });

  describe('precedence', () => {
    it('applies defaults < file < env < overrides', () => {
      const file = write('p.json', JSON.stringify({ seed: 1, logLevel: 'debug', http: { port: 1000, host: '10.0.0.1' } }));
      const config = loadConfig({
        env: { REGENT_SEED: '2', REGENT_HTTP__PORT: '2000' },
        file,
        overrides: { seed: 3, http: { port: undefined } },
      });
      expect(config.seed).to.equal(3);
      expect(config.http.port).to.equal(2000);
      expect(config.http.host).to.equal('10.0.0.1');
      expect(config.logLevel).to.equal('debug');
      expect(config.trading.threshold).to.equal(0.35);
    });

    it('replaces lists rather than merging them', () => {
      const file = write('l.json', JSON.stringify({ feed: { tokens: ['BTC', 'ETH', 'SOL'] } }));
      expect(loadConfig({ env: {}, file, overrides: { feed: { tokens: ['DOGE'] } } }).feed.tokens).to.deep.equal(['DOGE']);
    });

    it('prefers an explicit file argument over REGENT_CONFIG', () => {
      const a = write('a.json', '{"seed": 5}');
      const b = write('b.json', '{"seed": 6}');
      expect(loadConfig({ env: { REGENT_CONFIG: a }, file: b }).seed).to.equal(6);
    });
  });

  describe('errors', () => {
    it('lists every bad field with its path, expectation, value and origin', () => {
      const file = write('bad.json', JSON.stringify({ supervision: { jitter: 1.5 } }));
      const error = configErrorOf(() =>
        loadConfig({
          env: { REGENT_EXECUTION__MAX_LEVERAGE: 'abc', REGENT_HTTP__PORT: '70000', REGENT_HTTP__ENABLED: 'maybe' },
          file,
          overrides: { logLevel: 'loud' as never },
        }),
      );
      expect(error.exitCode).to.equal(2);
      const byPath = Object.fromEntries(error.issues.map((i) => [i.path, i]));
      expect(Object.keys(byPath).sort()).to.deep.equal(
        ['execution.maxLeverage', 'http.enabled', 'http.port', 'logLevel', 'supervision.jitter'].sort(),
      );
      expect(byPath['execution.maxLeverage']).to.deep.equal({
        path: 'execution.maxLeverage',
        expected: 'a number greater than 0',
        received: '"abc"',
        source: 'env',
        envVar: 'REGENT_EXECUTION__MAX_LEVERAGE',
      });
      expect(byPath['http.port']).to.include({ expected: 'an integer between 0 and 65535', received: '70000', envVar: 'REGENT_HTTP__PORT' });
      expect(byPath['http.enabled']).to.include({ expected: 'a boolean (true or false)', received: '"maybe"' });
      expect(byPath['supervision.jitter']).to.include({ source: 'file', file, received: '1.5' });
      expect(byPath['logLevel']).to.include({ source: 'override', received: '"loud"' });
      expect(error.message).to.match(/^invalid configuration \(5 problems\):\n/);
      expect(error.message).to.contain(
        '  - execution.maxLeverage (env REGENT_EXECUTION__MAX_LEVERAGE): expected a number greater than 0, got "abc"',
      );
      expect(error.message).to.contain(`  - supervision.jitter (file ${file}): expected a number between 0 and 1, got 1.5`);
    });

    it('rejects unknown keys in a file and in the environment', () => {
      const file = write('unknown.yaml', 'http:\n  prot: 80\nverbose: true\n');
      const error = configErrorOf(() => loadConfig({ env: { REGENT_RISK__LEVERAGE_WARN: '2', REGENT_FOO: 'x' }, file }));
      const summary = error.issues.map((i) => `${i.path}|${i.source}|${i.envVar ?? ''}`).sort();
      expect(summary).to.deep.equal(
        ['foo|env|REGENT_FOO', 'http.prot|file|', 'risk.leverageWarn|env|REGENT_RISK__LEVERAGE_WARN', 'verbose|file|'].sort(),
      );
      expect(error.message).to.contain('http.prot (file');
      expect(error.message).to.contain('unknown setting (known: enabled, host, port, allowedHosts)');
    });

    it('rejects a topic override for a topic outside the catalog', () => {
      const error = configErrorOf(() => loadConfig({ env: {}, overrides: { topicPartitions: { 'price.tick': 3 } as never } }));
      expect(error.issues.map((i) => i.path)).to.deep.equal(['topicPartitions.price.tick']);
    });

    it('requires feed.path when the feed is csv or jsonl, reported with the other problems', () => {
      const error = configErrorOf(() =>
        loadConfig({ env: { REGENT_FEED__KIND: 'csv', REGENT_FEED__TICK_INTERVAL_MS: '-5' } }),
      );
      const paths = error.issues.map((i) => i.path).sort();
      expect(paths).to.deep.equal(['feed.path', 'feed.tickIntervalMs']);
      const missing = error.issues.find((i) => i.path === 'feed.path')!;
      expect(missing).to.include({ received: 'nothing', source: 'env', envVar: 'REGENT_FEED__KIND' });
      expect(error.message).to.contain('  - feed.path (env REGENT_FEED__KIND): required when feed.kind is "csv"');
      expect(() => loadConfig({ env: {}, overrides: { feed: { kind: 'jsonl' } } })).to.throw(
        ConfigError,
        'feed.path (override): required when feed.kind is "jsonl"',
      );
    });

    it('reports a variable that is both a value and a parent of nested variables', () => {
      const error = configErrorOf(() => loadConfig({ env: { REGENT_HTTP: 'on', REGENT_HTTP__PORT: '1' } }));
      expect(error.issues.some((i) => i.envVar === 'REGENT_HTTP__PORT' && /clashes/.test(i.message ?? ''))).to.equal(true);
    });
  });
});

describe('config/load: Kafka settings', () => {
  it('takes brokers from the environment as a list and rejects one that is not host:port', () => {
    const config = loadConfig({ env: { REGENT_EVENT_LOG__KIND: 'kafka', REGENT_EVENT_LOG__BROKERS: 'k0:9092,k1:9092', REGENT_EVENT_LOG__ORDINAL: '2' } });
    expect(config.eventLog).to.include({ kind: 'kafka', ordinal: 2 });
    expect(config.eventLog.brokers).to.deep.equal(['k0:9092', 'k1:9092']);
    const error = configErrorOf(() => loadConfig({ env: {}, overrides: { eventLog: { kind: 'kafka', brokers: ['k0'] } } }));
    expect(error.issues.map((i) => i.path)).to.deep.equal(['eventLog.brokers.0']);
  });
});
