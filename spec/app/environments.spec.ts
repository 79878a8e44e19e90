// The environment a Config describes, and the adapters it bundles: the paper default in memory,
// paper recording into PostgreSQL and Redis, a real venue (credentials through the env parameter),
// Kafka, and a replay of an earlier run's store, which records into nothing. Nothing here connects:
// the store and Redis URLs point at a port nothing listens on, and no environment is started.
import { expect } from 'chai';
import { KafkaEventLog } from '../../adapters/eventlog/kafka/kafka-event-log.js';
import { MemoryEventLog } from '../../adapters/eventlog/memory/memory-event-log.js';
import { BinanceExchange } from '../../adapters/exchange/binance/binance-exchange.js';
import { HyperliquidExchange } from '../../adapters/exchange/hyperliquid/hyperliquid-exchange.js';
import { PaperExchange } from '../../adapters/exchange/paper.js';
import { DeferredLlmClient } from '../../adapters/llm/deferred-llm-client.js';
import { GuardedLlmClient } from '../../adapters/llm/guarded-llm-client.js';
import { MemoryStateStore } from '../../adapters/state/memory.js';
import { RedisPortfolioCache } from '../../adapters/state/redis/portfolio-cache.js';
import { RedisStateStore } from '../../adapters/state/redis/redis-state-store.js';
import { MemoryAuditTrail } from '../../adapters/store/memory-audit-trail.js';
import { MemoryOrderJournal } from '../../adapters/store/memory-order-journal.js';
import { PostgresAuditTrail } from '../../adapters/store/postgres/postgres-audit-trail.js';
import { PostgresDeploymentStore } from '../../adapters/store/postgres/postgres-deployment-store.js';
import { PostgresEventStore } from '../../adapters/store/postgres/postgres-event-store.js';
import { PostgresOrderJournal } from '../../adapters/store/postgres/postgres-order-journal.js';
import { createEnvironment, environmentKind, type Environment } from '../../app/environments.js';
import { MeteredExchange } from '../../adapters/exchange/metered.js';
import { loadConfig } from '../../config/load.js';
import { defaultConfig, type Config } from '../../config/schema.js';
import { MissingSecretsError } from '../../config/secrets.js';
import { CommitJournal } from '../../runtime/intake/commit-journal.js';
import { RuntimeMetrics } from '../../runtime/observe/metrics.js';
import { systemClock } from '../../runtime/ports/clock.js';
import { silentLogger } from '../../runtime/ports/logger.js';
import { freePort } from '../support/free-port.js';

const HYPERLIQUID_KEY = '0x0123456789012345678901234567890123456789012345678901234567890123';

/** The adapter classes and stores of an environment, as names (undefined: there is none). */
function bundle(e: Environment) {
  const name = (value: object | undefined) => value?.constructor.name;
  return {
    kind: e.kind,
    eventLog: name(e.eventLog),
    durableLog: e.durableLog,
    recording: name(e.recording),
    replaying: name(e.replaying),
    stateStore: name(e.stateStore),
    portfolioCache: name(e.portfolioCache),
    journal: name(e.journal),
    audit: name(e.audit),
    venue: name(e.venue.exchange),
    exchange: name(e.exchange),
    llm: name(e.llm.client),
    commits: name(e.commits),
    kafkaSecurity: e.kafkaSecurity !== undefined,
    commandClock: e.clocks.command === e.clocks.eventTime ? 'event time' : e.clocks.command === systemClock ? 'system' : 'other',
  };
}

const inMemory = {
  eventLog: MemoryEventLog.name,
  durableLog: false,
  recording: undefined,
  replaying: undefined,
  stateStore: MemoryStateStore.name,
  portfolioCache: undefined,
  journal: MemoryOrderJournal.name,
  audit: MemoryAuditTrail.name,
  exchange: MeteredExchange.name,
  llm: undefined,
  commits: undefined,
  kafkaSecurity: false,
};

describe('environments: the adapters a Config chooses', () => {
  let unused: string;
  const opened: Environment[] = [];
  before(async () => {
    unused = `127.0.0.1:${await freePort()}`;
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((e) => e.close({ now: true })));
  });

  function environment(config: Config, env: NodeJS.ProcessEnv = {}): Environment {
    const e = createEnvironment(config, { logger: silentLogger, env, metrics: new RuntimeMetrics(), runtime: () => undefined });
    opened.push(e);
    return e;
  }
  /** Settings through REGENT_* variables, validated as the CLI does; the stores on a port nothing listens on. */
  function configWith(settings: Record<string, string>): Config {
    return loadConfig({ env: { REGENT_STORE__URL: `postgres://postgres@${unused}/none`, REGENT_STATE__URL: `redis://${unused}`, ...settings } });
  }
  const stored = { REGENT_STORE__KIND: 'postgres', REGENT_STATE__KIND: 'redis' };

  it('is paper by default: the paper venue, the in-process log and every store in memory, commands dated by event time', () => {
    const e = environment(defaultConfig());
    expect(bundle(e)).to.deep.equal({ ...inMemory, kind: 'paper', venue: PaperExchange.name, commandClock: 'event time' });
    expect(e.deployment).to.include({ eventLog: e.eventLog, restorable: e.eventLog, stateStore: e.stateStore, where: 'memory' });
    expect(e.deployment.eventStore).to.equal(undefined);
    expect(e.deployment.deployments).to.equal(undefined);
  });

  it('records a paper run into PostgreSQL (events, orders, audit, deployment) and Redis (snapshots, portfolio cache), committing through the journal', () => {
    const e = environment(configWith(stored));
    expect(bundle(e)).to.deep.equal({
      ...inMemory,
      kind: 'paper',
      venue: PaperExchange.name,
      recording: PostgresEventStore.name,
      stateStore: RedisStateStore.name,
      portfolioCache: RedisPortfolioCache.name,
      journal: PostgresOrderJournal.name,
      audit: PostgresAuditTrail.name,
      commits: CommitJournal.name,
      commandClock: 'event time',
    });
    expect(e.deployment.eventStore).to.equal(e.recording);
    expect(e.deployment.deployments).to.be.instanceOf(PostgresDeploymentStore);
    expect(e.deployment.where).to.equal('postgres schema regent + redis prefix regent:');
    expect(e.deployment.clearCaches).to.be.a('function');
  });

  it('is live on hyperliquid testnet with its key from the env parameter: the real venue, commands dated by the wall clock', () => {
    const config = configWith({ REGENT_EXCHANGE__KIND: 'hyperliquid', REGENT_EXCHANGE__TESTNET: 'true' });
    const e = environment(config, { HYPERLIQUID_PRIVATE_KEY: HYPERLIQUID_KEY });
    expect(bundle(e)).to.deep.equal({ ...inMemory, kind: 'live', venue: HyperliquidExchange.name, commandClock: 'system' });
  });

  it('is live on binance mainnet with its key and secret from the env parameter, with the model when a key is given', () => {
    const config = configWith({ REGENT_EXCHANGE__KIND: 'binance', REGENT_EXCHANGE__TESTNET: 'false' });
    const e = environment(config, { BINANCE_API_KEY: 'test-key', BINANCE_API_SECRET: 'test-secret', ANTHROPIC_API_KEY: 'sk-test' });
    expect(bundle(e)).to.deep.equal({ ...inMemory, kind: 'live', venue: BinanceExchange.name, llm: GuardedLlmClient.name, commandClock: 'system' });
  });

  it('refuses a real venue without its credentials before anything is opened (MissingSecretsError)', () => {
    expect(() => environment(configWith({ REGENT_EXCHANGE__KIND: 'binance' }))).to.throw(MissingSecretsError, /BINANCE_API_KEY/);
  });

  it('keeps the records on Kafka: a durable log with its security, and no commit journal even when recording into a store', () => {
    const e = environment(configWith({ ...stored, REGENT_EVENT_LOG__KIND: 'kafka' }));
    const b = bundle(e);
    expect([b.kind, b.eventLog, b.durableLog, b.kafkaSecurity, b.recording, b.commits]).to.deep.equal(['paper', KafkaEventLog.name, true, true, PostgresEventStore.name, undefined]);
    expect(e.deployment.restorable).to.equal(undefined);
  });

  it('replays an earlier run from its store: it reads that store, records into nothing, and keeps its state in memory', () => {
    const config = configWith({ ...stored, REGENT_LLM__REPLAY: 'store' });
    expect(environmentKind(config)).to.equal('replay');
    const e = environment(config);
    expect(bundle(e)).to.deep.equal({ ...inMemory, kind: 'replay', venue: PaperExchange.name, replaying: PostgresEventStore.name, llm: DeferredLlmClient.name, commandClock: 'event time' });
    expect(e.deployment.eventStore).to.equal(undefined);
    expect(e.deployment.deployments).to.equal(undefined);
    expect(e.deployment.clearCaches).to.equal(undefined);
    expect(e.deployment.where, 'the store it reads is named').to.equal('postgres schema regent');
  });

  it('is no replay when the LLM is off or answers from a file, and refuses a replay without a store', () => {
    expect(environmentKind(configWith({ ...stored, REGENT_LLM__REPLAY: 'store', REGENT_LLM__ENABLED: 'false' }))).to.equal('paper');
    expect(environmentKind(configWith({ REGENT_LLM__REPLAY: 'decisions.jsonl', REGENT_EXCHANGE__KIND: 'hyperliquid' }))).to.equal('live');
    expect(() => environment(configWith({ REGENT_LLM__REPLAY: 'store' }))).to.throw(/needs store\.kind postgres/);
  });

  it('closes once, whatever the number of calls', async () => {
    const e = environment(configWith(stored));
    expect(e.close()).to.equal(e.close());
    await e.close();
  });
});
