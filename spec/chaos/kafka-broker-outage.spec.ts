// Chaos on a real-protocol Kafka no one here wrote (librdkafka's mock cluster, 3 brokers, every
// catalog topic with replication factor 3, group coordinators on broker 1): the real CLI runs a
// seeded load on PostgreSQL + Redis while broker 3 goes down and its partitions get new leaders,
// then comes back. The run degrades (/readyz 503 naming the broker, regent_kafka_broker_up 0,
// regent_degraded{component="event-log"} 1), keeps going, and finishes with every event of the log
// stored once, the positions equal to the fold of the stored events and no client order id twice.
// SIGTERM in the middle of the outage drains and exits 0, within its shutdown deadline (exit 4 would
// mean it gave up) and the pod's grace period.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { Redis } from 'ioredis';
import { domainEventTypes } from '../../actors/events.js';
import { foldPositions, positionEventTypes } from '../../actors/portfolio/positions-from-events.js';
import { dlqTopic, topicNames, topicSpecs } from '../../config/topics.js';
import { PostgresEventStore } from '../../adapters/store/postgres/postgres-event-store.js';
import { EventTypeRegistry } from '../../runtime/events/event-types.js';
import { envWithout } from '../support/cli-process.js';
import { KafkaMockCluster, kafkaMockUnavailable } from '../support/kafka-mock-cluster.js';
import { deleteKeys } from '../support/redis-server.js';
import { waitFor } from '../support/wait.js';

const CLI = join(process.cwd(), 'dist/app/cli.js');
const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const EVENTS = 20_000;
/** k8s/statefulset.yaml: terminationGracePeriodSeconds. */
const GRACE_MS = 60_000;
/** The groups Regent uses with groupId `regent` (runtime.ts: the group, -store, -singletons; app/workers/portfolio-cache.ts: -portfolio). */
const GROUPS = ['regent', 'regent-store', 'regent-singletons', 'regent-portfolio'];
const DOWN = 3;
const TOPICS = topicSpecs().map((t) => t.name);

interface Sample {
  readonly at: number;
  readonly stored: number;
  readonly ready: number | undefined;
  readonly reason: string | undefined;
  readonly brokerUp: number | undefined;
  readonly leaderless: number | undefined;
  readonly degraded: number | undefined;
}

interface CliRun {
  readonly child: ChildProcess;
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  opsPort(): number | undefined;
}

describe('chaos on Kafka: a broker of three goes down mid-run and comes back (mock cluster, real CLI)', function () {
  this.timeout(240_000);
  const admin = new pg.Pool({ connectionString: PG_URL, max: 2 });
  const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
  const dir = mkdtempSync(join(tmpdir(), 'regent-outage-'));
  const schemas: string[] = [];
  const clusters: KafkaMockCluster[] = [];
  const children = new Set<ChildProcess>();

  before(function () {
    // .ci/run installs both; only a machine without them skips, and says why.
    const missing = kafkaMockUnavailable();
    if (missing) {
      console.log(`      skipped: the mock cluster needs python3 and librdkafka1: ${missing}`);
      this.skip();
    }
  });

  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    for (const c of clusters) await c.close();
    if (redis.status !== 'wait') {
      for (const schema of schemas) await deleteKeys(redis, `${schema}:`);
    }
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  async function cluster(): Promise<KafkaMockCluster> {
    const c = await KafkaMockCluster.start(3);
    clusters.push(c);
    await c.createTopics(topicSpecs(), 3);
    await c.coordinators(GROUPS, 1);
    return c;
  }

  function startCli(c: KafkaMockCluster, name: string, events: number): { run: CliRun; schema: string; summaryFile: string } {
    const schema = `outage_${name}_${process.pid}`;
    schemas.push(schema);
    const summaryFile = join(dir, `${schema}.json`);
    const env = {
      ...envWithout(process.env, ['ANTHROPIC_API_KEY', 'OPS_API_TOKEN'], ['REGENT_']),
      REGENT_STORE__URL: PG_URL,
      REGENT_STORE__SCHEMA: schema,
      REGENT_STATE__KEY_PREFIX: `${schema}:`,
      // The mock answers an empty fetch only when its wait is over, and lists a down broker in its
      // metadata (kafkajs may pick it for a coordinator lookup and retry): short waits keep the run short.
      REGENT_EVENT_LOG__MAX_WAIT_TIME_MS: '100',
      REGENT_EVENT_LOG__RETRY_INITIAL_MS: '100',
      // The mock reports a controller that is none of its brokers: kafkajs cannot get a producer id from it.
      REGENT_EVENT_LOG__IDEMPOTENT_PRODUCER: 'false',
    };
    const args = ['--kafka', c.brokers.join(','), '--seed', '7', '--events', String(events), '--store', 'postgres', '--state', 'redis'];
    const child = spawn(process.execPath, [CLI, ...args, '--http-port', '0', '--log-format', 'json', '--summary-json', summaryFile], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-20_000)));
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('close', (code, signal) => {
        children.delete(child);
        resolve({ code, signal });
      }),
    );
    const run: CliRun = {
      child,
      closed,
      output: () => `--- stdout ---\n${out.slice(-4000)}\n--- stderr (tail) ---\n${err.slice(-6000)}`,
      opsPort: () => {
        const m = /ops: http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
        return m ? Number(m[1]) : undefined;
      },
    };
    return { run, schema, summaryFile };
  }

  const storedEvents = async (schema: string): Promise<number> => {
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM "${schema}".events`).catch(() => ({ rows: [{ n: 0 }] }));
    return rows[0].n as number;
  };

  /** Samples the store, /readyz and the broker metrics every 250 ms while the run lasts. */
  function sampler(run: CliRun, schema: string): { samples: Sample[]; now(): number; stop(): void } {
    const samples: Sample[] = [];
    const started = Date.now();
    let busy = false;
    const timer = setInterval(async () => {
      if (busy) return;
      busy = true;
      try {
        const port = run.opsPort();
        const stored = await storedEvents(schema);
        let ready: number | undefined;
        let reason: string | undefined;
        let brokerUp: number | undefined;
        let leaderless: number | undefined;
        let degraded: number | undefined;
        if (port !== undefined) {
          const r = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
          if (r) {
            ready = r.status;
            reason = ((await r.json()) as { reasons?: Record<string, string> }).reasons?.['event-log'];
          }
          const m = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) }).then((x) => x.text()).catch(() => '');
          brokerUp = metric(m, new RegExp(`^regent_kafka_broker_up\\{broker="${DOWN}"[^}]*\\} (\\S+)$`, 'm'));
          leaderless = metric(m, /^regent_kafka_leaderless_partitions (\S+)$/m);
          degraded = metric(m, /^regent_degraded\{component="event-log"\} (\S+)$/m);
        }
        samples.push({ at: Date.now() - started, stored, ready, reason, brokerUp, leaderless, degraded });
      } finally {
        busy = false;
      }
    }, 250);
    return { samples, now: () => Date.now() - started, stop: () => clearInterval(timer) };
  }

  /** Every distinct event id on the catalog topics (not the dead letters), read from the cluster. */
  async function loggedEventIds(c: KafkaMockCluster): Promise<Map<string, Set<string>>> {
    const topics = topicNames.map(String);
    const groupId = `outage-check-${process.pid}-${Date.now()}`;
    await c.coordinators([groupId], 1);
    const kafka = new kafkajs.Kafka({ brokers: [...c.brokers], logLevel: kafkajs.logLevel.NOTHING });
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    const ends = new Map<string, number>();
    for (const topic of topics) for (const p of await kafkaAdmin.fetchTopicOffsets(topic)) ends.set(`${topic}/${p.partition}`, Number(p.high));
    await kafkaAdmin.disconnect();
    const types = new EventTypeRegistry(domainEventTypes);
    const ids = new Map<string, Set<string>>(topics.map((t) => [t, new Set<string>()]));
    const reached = new Map<string, number>();
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: 8,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) ids.get(batch.topic)!.add(types.decode(m.value!).id);
        reached.set(`${batch.topic}/${batch.partition}`, Number(batch.lastOffset()) + 1);
      },
    });
    try {
      await waitFor('the whole log read back', () => [...ends].every(([tp, end]) => end === 0 || (reached.get(tp) ?? 0) >= end), 120_000);
    } finally {
      await consumer.disconnect();
    }
    return ids;
  }

  async function expectEveryLoggedEventStoredOnce(c: KafkaMockCluster, schema: string): Promise<number> {
    const logged = await loggedEventIds(c);
    const { rows } = await admin.query(`SELECT topic, id FROM "${schema}".events`);
    const stored = new Map<string, string[]>();
    for (const r of rows as { topic: string; id: string }[]) stored.set(r.topic, [...(stored.get(r.topic) ?? []), r.id]);
    let total = 0;
    for (const [topic, ids] of logged) {
      const inStore = stored.get(topic) ?? [];
      expect(new Set(inStore).size, `${topic}: an event stored twice`).to.equal(inStore.length);
      const missing = [...ids].filter((id) => !inStore.includes(id));
      expect(missing, `${topic}: events in the log but not in the store`).to.deep.equal([]);
      expect(inStore.length, `${topic}: stored events that are not in the log`).to.equal(ids.size);
      total += ids.size;
    }
    expect(stored.has(dlqTopic('price.ticks')), 'dead letters are not stored as events').to.equal(false);
    return total;
  }

  async function expectNoOrderTwice(schema: string): Promise<number> {
    const orders = await admin.query(`SELECT count(*)::int AS n, count(DISTINCT client_order_id)::int AS ids FROM "${schema}".orders`);
    expect(orders.rows[0].n, 'a client order id journaled twice').to.equal(orders.rows[0].ids);
    const venue = await admin.query(`SELECT count(*)::int AS n, count(DISTINCT client_order_id)::int AS ids FROM "${schema}".paper_orders`);
    expect(venue.rows[0].n, 'a client order id sent to the venue twice').to.equal(venue.rows[0].ids);
    return orders.rows[0].n as number;
  }

  /** Takes broker 3 down and gives its partitions to brokers 1 and 2; returns how many moved. */
  async function outage(c: KafkaMockCluster): Promise<number> {
    const leaders = await c.leaders(TOPICS);
    await c.command(`down ${DOWN}`);
    return c.moveLeadersOff(DOWN, leaders);
  }

  it('degrades while broker 3 is down, resumes on the new leaders and after its return, and loses or repeats nothing', async () => {
    const c = await cluster();
    const { run, schema, summaryFile } = startCli(c, 'run', EVENTS);
    const s = sampler(run, schema);
    try {
      await waitFor('8,000 stored events before the outage', async () => (await storedEvents(schema)) >= 8000, 120_000);
      const leaders = await c.leaders(TOPICS);
      await c.command(`down ${DOWN}`);
      const downAt = s.now();
      const leaderless = await waitFor(
        '/readyz 503 naming broker 3 and the partitions it leads',
        () => s.samples.find((x) => x.at >= downAt && x.ready === 503 && /partition\(s\) without a reachable leader/.test(x.reason ?? '')),
        30_000,
      );
      expect(leaderless.reason).to.match(/^kafka: broker 3 \(127\.0\.0\.1:\d+\) unreachable; \d+ partition\(s\) without a reachable leader: \S+\/\d+/);
      await waitFor(
        'regent_kafka_broker_up{broker="3"} 0, regent_kafka_leaderless_partitions > 0, regent_degraded{component="event-log"} 1',
        () => s.samples.some((x) => x.at >= downAt && x.brokerUp === 0 && (x.leaderless ?? 0) > 0 && x.degraded === 1),
        30_000,
      );
      const movedAt = s.now();
      expect(await c.moveLeadersOff(DOWN, leaders), 'broker 3 led some partitions').to.be.greaterThan(0);
      await waitFor(
        '/readyz 503 saying every partition has a reachable leader',
        () => s.samples.some((x) => x.at > movedAt && x.ready === 503 && x.leaderless === 0 && /every partition has a reachable leader/.test(x.reason ?? '')),
        30_000,
      );
      const atMove = await storedEvents(schema);
      await waitFor('2,000 more events stored on the new leaders while broker 3 is down', async () => (await storedEvents(schema)) >= atMove + 2000, 120_000);
      const upAt = s.now();
      await c.command(`up ${DOWN}`);
      const readyAgain = await waitFor('/readyz 200 once broker 3 is back', () => s.samples.find((x) => x.at > upAt && x.ready === 200), 30_000);
      const { code } = await run.closed;
      s.stop();
      expect(code, run.output()).to.equal(0);
      report('outage run', s.samples, downAt, { movedAt, upAt, readyAt: readyAgain.at });

      const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as { feedEvents: number; pnl: Record<string, Record<string, number>> };
      expect(summary.feedEvents).to.equal(EVENTS);
      const stored = await expectEveryLoggedEventStoredOnce(c, schema);
      expect(stored).to.be.greaterThan(EVENTS);
      const feed = await admin.query(`SELECT count(*)::int AS n FROM "${schema}".events WHERE topic IN ('price.ticks', 'liquidation.events', 'sentiment.updates')`);
      expect(feed.rows[0].n, 'every feed event stored').to.equal(EVENTS);
      expect(await expectNoOrderTwice(schema)).to.be.greaterThan(0);

      const store = new PostgresEventStore({ connectionString: PG_URL, schema });
      try {
        const folded = await foldPositions(store.replay({ types: positionEventTypes, order: 'offset' }));
        expect(folded.size, 'some positions traded').to.be.greaterThan(0);
        for (const [token, p] of folded) {
          const got = summary.pnl[token];
          expect(got, `position ${token} in the summary`).to.not.equal(undefined);
          const round = (n: number) => Math.round(n * 1e6) / 1e6;
          expect({ size: got!['size'], avgEntry: got!['avgEntry'], realizedPnl: got!['realizedPnl'], fees: got!['fees'] }, `position ${token}`).to.deep.equal({
            size: round(p.size),
            avgEntry: round(p.avgEntry),
            realizedPnl: round(p.realizedPnl),
            fees: round(p.fees),
          });
        }
      } finally {
        await store.close();
      }
    } finally {
      s.stop();
    }
  });

  it('drains and exits within the grace period when SIGTERM comes right as broker 3 goes down', async () => {
    const c = await cluster();
    const { run, schema } = startCli(c, 'sigterm', 1_000_000);
    const s = sampler(run, schema);
    try {
      await waitFor('4,000 stored events', async () => (await storedEvents(schema)) >= 4000, 120_000);
      const downAt = s.now();
      // In the same breath as the outage: kafkajs is rebuilding its fetchers when the stop begins.
      await outage(c);
      run.child.kill('SIGTERM');
      const deadline = setTimeout(() => run.child.kill('SIGKILL'), GRACE_MS);
      const { code, signal } = await run.closed;
      const exitedAt = s.now();
      clearTimeout(deadline);
      s.stop();
      expect(signal, `killed at the end of the ${GRACE_MS} ms grace period\n${run.output()}`).to.equal(null);
      expect(code, `exit 0: drained within shutdown.deadlineMs\n${run.output()}`).to.equal(0);
      report('SIGTERM during the outage', s.samples, downAt, { movedAt: downAt, exitedAt });
      expect(await expectEveryLoggedEventStoredOnce(c, schema)).to.be.greaterThan(0);
      await expectNoOrderTwice(schema);
    } finally {
      s.stop();
    }
  });
});

function metric(text: string, pattern: RegExp): number | undefined {
  const m = pattern.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** The outage timeline (for the note): readiness, metrics and stored events per phase. */
function report(name: string, samples: readonly Sample[], downAt: number, marks: { movedAt: number; upAt?: number; readyAt?: number; exitedAt?: number }): void {
  const at = (ms: number) => samples.find((x) => x.at >= ms) ?? samples.at(-1)!;
  const rate = (from: number, to: number) => {
    const a = at(from);
    const b = at(to);
    return b.at > a.at ? Math.round(((b.stored - a.stored) * 1000) / (b.at - a.at)) : 0;
  };
  const first = (p: (x: Sample) => boolean, after = downAt) => samples.find((x) => x.at >= after && p(x))?.at;
  const sec = (ms: number | undefined) => (ms === undefined ? '-' : `+${((ms - downAt) / 1000).toFixed(1)} s`);
  const { movedAt, upAt, readyAt, exitedAt } = marks;
  const end = upAt ?? exitedAt ?? samples.at(-1)!.at;
  const resumed = first((x) => x.stored >= at(movedAt).stored + 500, movedAt);
  const lines = [
    `${name}: broker ${DOWN} down at ${(downAt / 1000).toFixed(1)} s of the run, ${at(downAt).stored} events stored (times below from the down)`,
    `broker_up 0 ${sec(first((x) => x.brokerUp === 0))}, readyz 503 ${sec(first((x) => x.ready === 503))}, degraded 1 ${sec(first((x) => x.degraded === 1))}, ` +
      `leaderless max ${Math.max(0, ...samples.filter((x) => x.at >= downAt).map((x) => x.leaderless ?? 0))}`,
    `leaders moved ${sec(movedAt)}, 500 more events stored ${sec(resumed)}; stored events/s: ${rate(Math.max(0, downAt - 5000), downAt)} in the 5 s before the down, ` +
      `${rate(downAt, movedAt)} until the move, ${rate(movedAt, end)} on the new leaders`,
  ];
  if (upAt !== undefined) lines.push(`broker back ${sec(upAt)}, readyz 200 ${sec(readyAt)}, ${rate(upAt, upAt + 5000)} events/s in the 5 s after`);
  if (exitedAt !== undefined) lines.push(`SIGTERM ${sec(movedAt)}, exited ${sec(exitedAt)}`);
  console.log(lines.map((l) => `      ${l}`).join('\n'));
}
