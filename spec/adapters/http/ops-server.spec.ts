import { expect } from 'chai';
import { Writable } from 'node:stream';
import { z } from 'zod';
import { MemoryEventLog } from '../../../adapters/eventlog/memory/memory-event-log.js';
import { opsServer } from '../../../adapters/http/ops-server.js';
import { defineAgent } from '../../../runtime/agent/agent.js';
import { defineEvent, encodeEnvelope } from '../../../runtime/events/event-types.js';
import { createLogger } from '../../../runtime/observe/logger.js';
import { RuntimeMetrics } from '../../../runtime/observe/metrics.js';
import { Runtime } from '../../../runtime/runtime.js';
import { scriptedEvent } from '../../../runtime/agent/test-kit.js';
import { waitFor } from '../../support/wait.js';
import { MemoryStateStore } from '../../../adapters/state/memory.js';

const Ping = defineEvent('ops.ping', 'ops.pings', z.object({ n: z.number() }));
const logging = defineAgent({
  name: 'logging',
  consumes: [Ping],
  key: 'singleton',
  initialState: () => 0,
  handle: (count, event, ctx) => {
    ctx.log.info({ n: event.data.n }, 'pinged');
    return count + 1;
  },
});

describe('operations: metrics, health and correlated logs', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  let runtime: Runtime;
  let port = 0;
  let ready: boolean | { ready: false; reasons: Record<string, string> } = false;
  const log = new MemoryEventLog();

  before(async () => {
    const metrics = new RuntimeMetrics();
    runtime = new Runtime({
      stateStore: new MemoryStateStore(),
      eventLog: log,
      agents: [logging],
      eventTypes: [Ping],
      topics: [{ name: 'ops.pings', partitions: 1 }],
      logger: createLogger('info', sink),
      metrics,
      services: [
        opsServer({
          host: '127.0.0.1',
          port: 0,
          registry: metrics.registry,
          healthy: () => runtime.running,
          ready: () => ready,
          onListening: (p) => (port = p),
        }),
      ],
    });
    await runtime.start();
    const ping = scriptedEvent(Ping, { n: 7 }, { ts: 1, id: 'ping-1' });
    await log.publish('ops.pings', [{ value: encodeEnvelope({ ...ping, correlationId: 'corr-42' }) }]);
    await runtime.whenIdle({ timeoutMs: 5000 });
  });
  after(() => runtime.stop());

  it('exports consumption, handler latency and mailbox metrics on /metrics', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    const body = await res.text();
    expect(res.status).to.equal(200);
    expect(body).to.match(/regent_events_consumed_total\{topic="ops.pings"\} 1/);
    expect(body).to.match(/regent_handler_duration_seconds_count\{agent="logging"\} 1/);
    expect(body).to.match(/regent_mailbox_depth\{agent="logging"\} 0/);
    expect(body).to.match(/regent_actors\{agent="logging"\} 1/);
  });

  it('answers /healthz, and /readyz with 503 until ready', async () => {
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).to.equal(200);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).to.equal(503);
    ready = true;
    expect(await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()).to.deep.equal({ status: 'ready' });
    expect((await fetch(`http://127.0.0.1:${port}/nope`)).status).to.equal(404);
  });

  it('says on /readyz why it is not ready, per component', async () => {
    ready = { ready: false, reasons: { 'event-log': 'kafka: broker 3 (127.0.0.1:9094) unreachable' } };
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(res.status).to.equal(503);
    expect(await res.json()).to.deep.equal({ status: 'not-ready', reasons: { 'event-log': 'kafka: broker 3 (127.0.0.1:9094) unreachable' } });
    ready = true;
  });

  it('logs JSON lines that carry the correlation id of the causing event', async () => {
    const pinged = await waitFor('the "pinged" log line', () => lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'pinged'));
    expect(pinged).to.include({ correlationId: 'corr-42', eventId: 'ping-1', actor: 'logging:logging', n: 7 });
  });
});
