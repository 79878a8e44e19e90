// whenIdle is woken by the kernel's signals, not by polling: on a ManualClock that nobody moves no
// timer ever fires, so only a signal (a commit landing) can end the wait. And the ManualClock's
// timers fire in time order as it moves, never backwards, a cancelled one never.
import { expect } from 'chai';
import { MemoryEventLog } from '../../adapters/eventlog/memory/memory-event-log.js';
import { MemoryStateStore } from '../../adapters/state/memory.js';
import { scriptedEvent } from '../../runtime/agent/test-kit.js';
import { encodeEnvelope } from '../../runtime/events/event-types.js';
import { ManualClock } from '../../runtime/ports/clock.js';
import { Runtime } from '../../runtime/runtime.js';
import { Tick, counterAgent, type CounterState } from '../support/counter-agent.js';

describe('kernel time and idleness', () => {
  let runtime: Runtime | undefined;
  afterEach(async () => {
    await runtime?.stop();
    runtime = undefined;
  });

  it('ends whenIdle on the commit signal alone: no timer of the (frozen) runtime clock fires', async () => {
    const log = new MemoryEventLog();
    const clock = new ManualClock(1_000);
    runtime = new Runtime({ stateStore: new MemoryStateStore(), eventLog: log, agents: [counterAgent()], eventTypes: [Tick], clock, passivationSweepMs: 0 });
    await runtime.start();
    await log.publish('test.ticks', [1, 2, 3].map((n) => ({ key: 'BTC', value: encodeEnvelope(scriptedEvent(Tick, { n }, { ts: n, token: 'BTC', id: `t${n}` })) })));
    let deadline: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      runtime.whenIdle().then(() => 'idle'),
      new Promise<string>((resolve) => (deadline = setTimeout(() => resolve('still waiting after 5 s'), 5000))),
    ]);
    clearTimeout(deadline);
    expect(outcome).to.equal('idle');
    expect(runtime.states<CounterState>('counter').get('BTC')?.seen).to.deep.equal([1, 2, 3]);
    expect(await log.committed('regent', { topic: 'test.ticks', partition: 0 })).to.equal(3);
    expect(clock.now(), 'the clock was never moved').to.equal(1_000);
  });

  it('fires ManualClock timers in time order as it moves, skips cancelled ones and never moves back', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.after(30, () => fired.push('c'));
    const b = clock.after(20, () => fired.push('b'));
    clock.after(10, () => {
      fired.push('a');
      b.cancel(); // cancelled by an earlier timer's callback: never fires
      clock.after(0, () => fired.push('a+0')); // due at once: fires in the same move
    });
    clock.advance(5);
    expect(fired).to.deep.equal([]);
    clock.advance(25);
    expect(fired).to.deep.equal(['a', 'a+0', 'c']);
    clock.advance(-100);
    clock.set(10);
    expect(clock.now()).to.equal(30);
  });
});
