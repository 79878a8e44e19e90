// Record, then replay: a run asks a model (a local Messages API server) and records every answer as
// an llm.decision event in PostgreSQL; a second run of the same feed with llm.replay "store" answers
// every request from that record, calls no model, and makes the same LLM decisions.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { defaultConfig, type Config } from '../../config/schema.js';
import type { Envelope } from '../../runtime/events/envelope.js';
import { EventTypeRegistry } from '../../runtime/events/event-types.js';
import { silentLogger } from '../../runtime/ports/logger.js';
import { createRegent } from '../../app/compose.js';
import { domainEventTypes } from '../../actors/events.js';
import type { MemoryEventLog } from '../../adapters/eventlog/memory/memory-event-log.js';
import { MessagesApiServer } from '../support/messages-api-server.js';

const PG = 'postgres://postgres@127.0.0.1:5432/test';
const types = new EventTypeRegistry(domainEventTypes);

function topic(log: MemoryEventLog, name: string): Envelope[] {
  const out: Envelope[] = [];
  for (let p = 0; p < log.partitionsOf(name); p++) for (const r of log.read({ topic: name, partition: p })) out.push(types.decode(r.value));
  return out;
}

/** One whole run; returns the LLM-made signals and decision records (as sorted JSON lines). */
async function runOnce(config: Config, env: NodeJS.ProcessEnv) {
  const regent = createRegent(config, { logger: silentLogger, env });
  try {
    await regent.runtime.start();
    await regent.pump.run();
    await regent.runtime.whenIdle({ timeoutMs: 60_000 });
    const log = regent.eventLog as MemoryEventLog;
    const llmSignals = topic(log, 'signal.generated')
      .filter((e) => (e.data as { origin?: string }).origin === 'llm')
      .map((e) => JSON.stringify([e.token, (e.data as { side: string; price: number }).side, (e.data as { price: number }).price]))
      .sort();
    const decisions = topic(log, 'llm.decisions').map((e) => (e.data as { requestId: string; outcome: string }).requestId + ':' + (e.data as { outcome: string }).outcome).sort();
    return { llmSignals, decisions };
  } finally {
    await regent.runtime.stop();
    await regent.close();
  }
}

/** What a schema holds: row counts and the store writer's offsets (a replay must change none). */
async function storeContents(schema: string) {
  const client = new pg.Client({ connectionString: PG });
  await client.connect();
  try {
    const count = async (table: string) => Number((await client.query(`SELECT count(*) AS n FROM "${schema}".${table}`)).rows[0].n);
    const offsets = (await client.query(`SELECT group_id, topic, partition, next_offset FROM "${schema}".consumer_offsets ORDER BY 1, 2, 3`)).rows;
    return { events: await count('events'), orders: await count('orders'), audit: await count('audit_log'), offsets };
  } finally {
    await client.end();
  }
}

describe('LLM answers recorded in one run and replayed in the next', function () {
  this.timeout(120_000);
  let server: MessagesApiServer;
  const schema = `regent_llm_replay_${randomBytes(4).toString('hex')}`;

  before(async () => {
    server = await MessagesApiServer.start();
    server.defaultReply = { text: '{"direction":"buy","confidence":0.9,"sizeFraction":0.5,"reasoning":"recorded"}' };
  });
  after(async () => {
    await server.close();
    const admin = new pg.Client({ connectionString: PG });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('replays every recorded answer without calling the model, to the same decisions, and leaves the record as it was', async () => {
    const base = defaultConfig();
    const config: Config = {
      ...base,
      seed: 11,
      events: 4000,
      http: { ...base.http, enabled: false },
      // The spec reads the topics back after the run: keep them (the CLI trims what is committed).
      eventLog: { ...base.eventLog, retention: 'records' },
      store: { ...base.store, kind: 'postgres', url: PG, schema },
      llm: { ...base.llm, baseUrl: server.baseURL, timeoutMs: 5000, maxRequestsPerMinute: 10_000 },
    };
    const live = await runOnce(config, { ANTHROPIC_API_KEY: 'sk-test-replay' });
    const asked = server.requests.length;
    expect(asked, 'model requests in the live run').to.be.greaterThan(0);
    expect(live.decisions.length).to.equal(asked);
    expect(live.llmSignals.length, 'signals the model made').to.be.greaterThan(0);

    const recorded = await storeContents(schema);
    expect(recorded.events, 'events recorded').to.be.greaterThan(0);

    // The same feed again, answered from the record, with no key at all.
    const replayed = await runOnce({ ...config, llm: { ...config.llm, replay: 'store' } }, {});
    expect(await storeContents(schema), 'the recorded run after the replay').to.deep.equal(recorded);
    expect(server.requests.length, 'model requests in the replay').to.equal(asked);
    expect(replayed.decisions.filter((d) => d.endsWith(':ok'))).to.deep.equal(live.decisions.filter((d) => d.endsWith(':ok')));
    expect(replayed.llmSignals).to.deep.equal(live.llmSignals);
  });
});
