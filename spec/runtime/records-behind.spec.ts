// How far the runtime's groups are behind the log: what the feed's window on Kafka reads.
import { expect } from 'chai';
import { MemoryEventLog } from '../../adapters/eventlog/memory/memory-event-log.js';
import { defineAgent } from '../../runtime/agent/agent.js';
import { encodeEnvelope } from '../../runtime/events/event-types.js';
import { Runtime } from '../../runtime/runtime.js';
import { scriptedEvent } from '../../runtime/agent/test-kit.js';
import { Tick } from '../support/counter-agent.js';
import { MemoryStateStore } from '../../adapters/state/memory.js';

describe('Runtime.recordsBehind (in-process log)', () => {
  let runtime: Runtime | undefined;
  afterEach(async () => {
    await runtime?.stop();
    runtime = undefined;
  });

  it('counts the records its group has not committed, and none once idle', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const held = defineAgent({
      name: 'held',
      consumes: [Tick],
      key: 'token',
      initialState: () => 0,
      handle: async (n: number) => {
        await gate;
        return n + 1;
      },
    });
    const log = new MemoryEventLog();
    runtime = new Runtime({ stateStore: new MemoryStateStore(), eventLog: log, agents: [held], eventTypes: [Tick], topics: [{ name: 'test.ticks', partitions: 2 }] });
    await runtime.start();
    const ticks = Array.from({ length: 30 }, (_, n) => scriptedEvent(Tick, { n }, { ts: n, token: n % 2 ? 'BTC' : 'ETH', id: `t${n}` }));
    await log.publish('test.ticks', ticks.map((e) => ({ key: e.token!, value: encodeEnvelope(e) })));
    expect(await runtime.recordsBehind()).to.equal(30);
    open();
    await runtime.whenIdle({ timeoutMs: 5000 });
    expect(await runtime.recordsBehind()).to.equal(0);
  });
});
