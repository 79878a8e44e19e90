import { expect } from 'chai';
import { Writable } from 'node:stream';
import { Health } from '../../runtime/observe/health.js';
import { createLogger } from '../../runtime/observe/logger.js';
import { RuntimeMetrics } from '../../runtime/observe/metrics.js';

describe('Health: a dependency that reports its own state (track)', () => {
  const lines: { level: number; msg: string; component: string; reason?: string }[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  const metrics = new RuntimeMetrics();
  const health = new Health(metrics, createLogger('info', sink));
  const gauge = async () => (await metrics.degraded.get()).values.find((v) => v.labels.component === 'event-log')?.value;

  it('degrades once per problem, logs a changed problem once, and recovers', async () => {
    health.track('event-log', 'broker 3 unreachable; 4 partition(s) without a reachable leader');
    health.track('event-log', 'broker 3 unreachable; 4 partition(s) without a reachable leader');
    expect(await gauge()).to.equal(1);
    health.track('event-log', 'broker 3 unreachable; every partition has a reachable leader');
    expect(health.components()).to.deep.equal({ 'event-log': 'broker 3 unreachable; every partition has a reachable leader' });
    health.track('event-log', undefined);
    expect(await gauge()).to.equal(0);
    expect(health.isDegraded('event-log')).to.equal(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => [l.msg, l.reason])).to.deep.equal([
      ['dependency down: running degraded', 'broker 3 unreachable; 4 partition(s) without a reachable leader'],
      ['dependency still down: running degraded', 'broker 3 unreachable; every partition has a reachable leader'],
      ['dependency back: leaving degraded mode', undefined],
    ]);
  });
});
