// The feed pump tells the run when its last chunk goes out (the shutdown deadline starts there), once,
// whether the feed ended or --events was reached at a chunk boundary.
import { expect } from 'chai';
import type { Envelope } from '../../../runtime/events/envelope.js';
import { FeedPump } from '../../../app/workers/feed-pump.js';
import type { Publisher } from '../../../runtime/intake/publisher.js';

function pumpOf(count: number, maxEvents?: number) {
  const events: Envelope[] = Array.from({ length: count }, (_, i) => ({ id: `e${i}`, type: 'price.tick', ts: i, token: 'BTC', source: 'spec', correlationId: `e${i}`, data: { price: 1 } }));
  const log: string[] = [];
  const publisher = { publish: async (out: readonly Envelope[]) => void log.push(`publish ${out.length}`) } as unknown as Publisher;
  const pump = new FeedPump({
    feed: { events: async function* () { yield* events; } } as never,
    publisher,
    drained: async () => void log.push('drained'),
    chunkSize: 100,
    ...(maxEvents !== undefined ? { maxEvents } : {}),
  });
  pump.whenFinishing(() => log.push('finishing'));
  return { pump, log };
}

describe('feed pump', () => {
  it('says it is finishing once, just before the last chunk when --events ends on a chunk boundary', async () => {
    const { pump, log } = pumpOf(1000, 200);
    expect(await pump.run()).to.equal(200);
    expect(log).to.deep.equal(['publish 100', 'drained', 'finishing', 'publish 100', 'drained']);
  });

  it('says it is finishing once, just before the last chunk when the feed ends', async () => {
    const { pump, log } = pumpOf(150);
    expect(await pump.run()).to.equal(150);
    expect(log).to.deep.equal(['publish 100', 'drained', 'finishing', 'publish 50', 'drained']);
  });
});
