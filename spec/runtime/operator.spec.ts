// The operator endpoints end to end: an HTTP kill switch becomes an order.command event, the execution
// actor acts on it and audits it, and the ops server shows the state.
import { expect } from 'chai';
import { defaultConfig } from '../../config/schema.js';
import { silentLogger } from '../../runtime/logger.js';
import { createRegent, type Regent } from '../../runtime/main.js';
import { waitFor } from '../support/wait.js';

describe('operator endpoints on a running Regent', () => {
  let regent: Regent | undefined;
  afterEach(async () => {
    await regent?.runtime.stop();
    await regent?.close();
    regent = undefined;
  });

  it('activates and resets the kill switch over HTTP, audited, and shows it on /execution and /metrics', async () => {
    const config = { ...defaultConfig(), http: { enabled: true, host: '127.0.0.1', port: 0, allowedHosts: [] } };
    regent = createRegent(config, { logger: silentLogger });
    await regent.runtime.start();
    await waitFor('the ops server', () => regent!.httpPort() !== undefined);
    const base = `http://127.0.0.1:${regent.httpPort()}`;
    const send = (body: unknown) => fetch(`${base}/execution/kill-switch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    expect((await send({ mode: 'activate', by: 'alice', reason: 'drill' })).status).to.equal(202);
    await waitFor('the kill switch to be active', async () => {
      const res = await fetch(`${base}/execution`);
      return res.status === 200 && ((await res.json()) as { killSwitch: { active: boolean } }).killSwitch.active;
    });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).to.match(/^regent_execution_kill_switch 1$/m);
    expect(metrics).to.match(/^regent_execution_breaker_state\{dependency="exchange"\} 0$/m);
    expect((await send({ mode: 'reset', by: 'alice', reason: 'drill over' })).status).to.equal(202);
    await waitFor('the kill switch to be reset', async () => !((await (await fetch(`${base}/execution`)).json()) as { killSwitch: { active: boolean } }).killSwitch.active);
    expect(await (await fetch(`${base}/metrics`)).text()).to.match(/^regent_execution_kill_switch 0$/m);
    const audit = await regent.audit.query({ kind: 'kill-switch' });
    expect(audit.map((r) => [r.action, r.data['by'] ?? r.reason])).to.deep.equal([
      ['activated', 'operator'],
      ['reset', 'alice'],
    ]);
  });
});
