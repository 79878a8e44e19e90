// The operator endpoints end to end: an HTTP kill switch becomes an order.command event, the execution
// actor acts on it and audits it, and the ops server shows the state. Commands are dated by the
// runtime's clock: event time in a synthetic run, wall time on a live venue.
import { expect } from 'chai';
import { defaultConfig, type Config } from '../../config/schema.js';
import type { ExecutionState } from '../../actors/execution/state.js';
import { commandClock } from '../../app/command-clock.js';
import { EventTimeClock } from '../../runtime/event-time-clock.js';
import { silentLogger } from '../../runtime/ports/logger.js';
import { createRegent, type Regent } from '../../app/compose.js';
import { systemClock } from '../../runtime/ports/clock.js';
import { waitFor } from '../support/wait.js';

type KillSwitchView = { killSwitch: { active: boolean; since?: number; resetAt?: number }; locks: { since: number; until: number }[] };

describe('operator endpoints on a running Regent', () => {
  let regent: Regent | undefined;
  afterEach(async () => {
    regent?.pump.stop();
    await regent?.runtime.stop();
    await regent?.close();
    regent = undefined;
  });

  async function start(config: Config): Promise<{ base: string; send: (body: unknown) => Promise<Response>; view: () => Promise<KillSwitchView> }> {
    regent = createRegent(config, { logger: silentLogger });
    await regent.runtime.start();
    await waitFor('the ops server', () => regent!.httpPort() !== undefined);
    const base = `http://127.0.0.1:${regent.httpPort()}`;
    return {
      base,
      send: (body) => fetch(`${base}/execution/kill-switch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      view: async () => (await (await fetch(`${base}/execution`)).json()) as KillSwitchView,
    };
  }
  const executionState = () => regent!.runtime.states<ExecutionState>('execution').get('execution');

  it('activates and resets the kill switch over HTTP, audited, and shows it on /execution and /metrics', async () => {
    const { base, send, view } = await start({ ...defaultConfig(), events: 200, http: { enabled: true, host: '127.0.0.1', port: 0, allowedHosts: [] } });
    await regent!.pump.run();
    await regent!.runtime.whenIdle({ timeoutMs: 10_000 });

    expect((await send({ mode: 'activate', by: 'alice', reason: 'drill' })).status).to.equal(202);
    await waitFor('the kill switch to be active', async () => (await view()).killSwitch.active);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).to.match(/^regent_execution_kill_switch 1$/m);
    expect(metrics).to.match(/^regent_execution_breaker_state\{dependency="exchange"\} 0$/m);
    expect((await send({ mode: 'reset', by: 'alice', reason: 'drill over' })).status).to.equal(202);
    await waitFor('the kill switch to be reset', async () => !(await view()).killSwitch.active);
    expect(await (await fetch(`${base}/metrics`)).text()).to.match(/^regent_execution_kill_switch 0$/m);
    const audit = await regent!.audit.query({ kind: 'kill-switch' });
    expect(audit.map((r) => [r.action, r.data['by'] ?? r.reason])).to.deep.equal([
      ['activated', 'operator'],
      ['reset', 'alice'],
    ]);
  });

  it('dates a kill switch activate + reset during a synthetic run by event time: no audit record, lock or switch time on the wall clock', async () => {
    const config = defaultConfig();
    const { send, view } = await start({ ...config, events: 4000, http: { enabled: true, host: '127.0.0.1', port: 0, allowedHosts: [] } });
    const run = regent!.pump.run();
    await waitFor('the first trades of the run', () => (executionState()?.lastEventTs ?? 0) > 0 && Object.values(executionState()!.book).some((p) => p.size !== 0), 15_000);
    expect((await send({ mode: 'activate', by: 'alice', reason: 'drill' })).status).to.equal(202);
    await waitFor('the kill switch to be active', async () => (await view()).killSwitch.active, 10_000);
    expect((await send({ mode: 'reset', by: 'alice', reason: 'drill over' })).status).to.equal(202);
    await waitFor('the kill switch to be reset', async () => !(await view()).killSwitch.active, 10_000);
    await run;
    await regent!.runtime.whenIdle({ timeoutMs: 15_000 });

    const start_ = config.feed.startTime; // 1 January 2026: event time
    const last = executionState()!.lastEventTs;
    expect(last, 'the run is in January 2026').to.be.within(start_, Date.UTC(2026, 1, 1));
    const wrong = (at: number | undefined) => at === undefined || at < start_ || at > last;
    // The start-up reconciliation of a fresh state runs before any event, so before event time exists.
    const audit = (await regent!.audit.query({})).filter((r) => !r.causeId?.startsWith('recover:'));
    const killSwitch = audit.filter((r) => r.kind === 'kill-switch');
    expect(killSwitch.map((r) => r.action)).to.deep.equal(['activated', 'reset']);
    expect(audit.filter((r) => wrong(r.at)).map((r) => `${r.kind} ${r.action} at ${new Date(r.at).toISOString()}`), 'audit records off event time').to.deep.equal([]);
    const state = await view();
    expect(wrong(state.killSwitch.resetAt), `kill switch reset at ${state.killSwitch.resetAt}`).to.equal(false);
    expect(state.locks.filter((l) => wrong(l.since)), 'locks dated off event time').to.deep.equal([]);
  });

  it('refuses a command with 503 in a synthetic run before any event gave it a time, and publishes nothing', async () => {
    const { send } = await start({ ...defaultConfig(), http: { enabled: true, host: '127.0.0.1', port: 0, allowedHosts: [] } });
    const res = await send({ mode: 'activate', by: 'alice', reason: 'drill' });
    expect(res.status).to.equal(503);
    expect(((await res.json()) as { error: string }).error).to.match(/no event has been processed yet/);
    let commands = 0;
    for (let partition = 0; partition < regent!.eventLog.partitionsOf('order.commands'); partition++) commands += await regent!.eventLog.endOffset({ topic: 'order.commands', partition });
    expect(commands, 'order.command records').to.equal(0);
  });

  it('takes event time for a paper venue and the wall clock for a live one', () => {
    const eventTime = new EventTimeClock();
    expect(commandClock('paper', eventTime)).to.equal(eventTime);
    expect(commandClock('hyperliquid', eventTime)).to.equal(systemClock);
    expect(commandClock('binance', eventTime)).to.equal(systemClock);
  });
});

describe('EventTimeClock', () => {
  it('follows the latest event time it was shown and never goes back; unknown before the first', () => {
    const clock = new EventTimeClock();
    expect(clock.known()).to.equal(false);
    expect(() => clock.now()).to.throw(/no event has been processed yet/);
    clock.observe(Date.UTC(2026, 0, 1, 0, 5));
    clock.observe(Date.UTC(2026, 0, 1, 0, 1));
    expect(clock.now()).to.equal(Date.UTC(2026, 0, 1, 0, 5));
    clock.observe(Date.UTC(2026, 0, 1, 0, 9));
    expect(clock.now()).to.equal(Date.UTC(2026, 0, 1, 0, 9));
  });
});
