import { expect } from 'chai';
import { FaultInjector, InjectedFault } from '../../runtime/observe/fault-injector.js';
import { scriptedEvent } from '../../runtime/agent/test-kit.js';
import { Tick } from '../support/counter-agent.js';

const events = Array.from({ length: 2000 }, (_, n) => scriptedEvent(Tick, { n }, { ts: n, token: 'A', id: `e-${n}` }));

function schedule(seed: number) {
  const faults = new FaultInjector({ seed, handlerFailureRate: 0.05, killRate: 0.02, agents: ['position'] });
  const throws: string[] = [];
  const kills: string[] = [];
  for (const e of events) {
    try {
      faults.beforeHandle('position', 'position:A', e);
    } catch (err) {
      expect(err).to.be.instanceOf(InjectedFault);
      expect((err as Error).message).to.include(`seed ${seed}`);
      throws.push(e.id);
    }
    if (faults.killAfter('position', 'position:A', e)) kills.push(e.id);
  }
  return { throws, kills, faults };
}

describe('FaultInjector', () => {
  it('injects the same faults at the same events for the same seed, and others for another seed', () => {
    const a = schedule(7);
    const b = schedule(7);
    const c = schedule(8);
    expect(a.throws).to.deep.equal(b.throws);
    expect(a.kills).to.deep.equal(b.kills);
    expect(a.throws).to.not.deep.equal(c.throws);
    expect(a.throws.length).to.be.within(60, 140); // 5% of 2,000
    expect(a.kills.length).to.be.within(20, 60); // 2% of 2,000
  });

  it('fails a handler call only on its first attempt, so an injected fault never poisons a message', () => {
    const { throws, faults } = schedule(7);
    const again = events.find((e) => e.id === throws[0])!;
    expect(() => faults.beforeHandle('position', 'position:A', again)).to.not.throw();
  });

  it('leaves agents it does not target alone', () => {
    const faults = new FaultInjector({ seed: 1, handlerFailureRate: 1, killRate: 1, agents: ['risk'] });
    expect(() => faults.beforeHandle('position', 'position:A', events[0]!)).to.not.throw();
    expect(faults.killAfter('position', 'position:A', events[0]!)).to.equal(false);
    expect(() => faults.beforeHandle('risk', 'risk:risk', events[0]!)).to.throw(InjectedFault);
  });
});
