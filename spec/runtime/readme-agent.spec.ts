import { expect } from 'chai';
import { domainEventTypes } from '../../actors/events.js';
import { PriceTick } from '../../actors/market/events.js';
import { topicSpecs } from '../../config/topics.js';
import { MemoryEventLog } from '../../adapters/eventlog/memory/memory-event-log.js';
import { encodeEnvelope } from '../../runtime/events/event-types.js';
import { Runtime } from '../../runtime/runtime.js';
import { runAgent, scriptedEvent } from '../../runtime/agent/test-kit.js';
import { breakoutAgent } from '../support/breakout-agent.js';
import { MemoryStateStore } from '../../adapters/state/memory.js';

const prices = [10, 11, 12, 11, 13];
const ticks = (token: string) => prices.map((price, i) => scriptedEvent(PriceTick, { price, volume: 0 }, { ts: i * 1000, token, id: `${token}-${i}` }));

describe('the README agent example', () => {
  it('signals a breakout above the lookback high (test kit, virtual clock)', async () => {
    const run = await runAgent(breakoutAgent(3), ticks('BTC'));
    expect(run.ofType('signal').map((e) => e.data.price)).to.deep.equal([13]);
    expect(run.state('BTC')).to.deep.equal({ high: 13, ticks: 5 });
    expect(run.clock.now()).to.equal(4000);
    const signal = run.emitted[0]!;
    expect(signal.causationId).to.equal('BTC-4');
    expect(signal.correlationId).to.equal('BTC-4');
    expect(signal.ts).to.equal(4000);
  });

  it('runs end to end on the in-process log, one actor per token', async () => {
    const log = new MemoryEventLog();
    const runtime = new Runtime({ stateStore: new MemoryStateStore(), eventLog: log, agents: [breakoutAgent(3)], eventTypes: domainEventTypes, topics: topicSpecs() });
    await runtime.start();
    try {
      await log.publish('price.ticks', [...ticks('BTC'), ...ticks('ETH')].map((e) => ({ key: e.token!, value: encodeEnvelope(e) })));
      await runtime.whenIdle({ timeoutMs: 5000 });
      expect([...runtime.states('breakout').entries()].sort()).to.deep.equal([
        ['BTC', { high: 13, ticks: 5 }],
        ['ETH', { high: 13, ticks: 5 }],
      ]);
      let signals = 0;
      for (let p = 0; p < log.partitionsOf('signal.generated'); p++) signals += log.read({ topic: 'signal.generated', partition: p }).length;
      expect(signals).to.equal(2);
    } finally {
      await runtime.stop();
    }
  });
});
