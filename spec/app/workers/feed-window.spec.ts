// On a log that keeps the backlog itself (Kafka) the feed runs ahead of the pipeline within a
// window instead of waiting for every chunk to be processed: the pump asks the window before each
// chunk, the window reads how far the groups are behind once per maxBehind events, and waits while
// one has more than maxBehind records to go.
import { expect } from 'chai';
import { FeedPump } from '../../../app/workers/feed-pump.js';
import { FeedWindow } from '../../../app/workers/feed-window.js';
import type { Envelope } from '../../../runtime/events/envelope.js';
import type { Publisher } from '../../../runtime/intake/publisher.js';
import { waitFor } from '../../support/wait.js';

describe('feed window', () => {
  it('reads the groups only once the published events could have spent its slack', async () => {
    const readings: number[] = [];
    let behind = 0;
    const window = new FeedWindow(async () => {
      readings.push(behind);
      return behind;
    }, 500);
    await window.admit(100); // the first chunk reads
    expect(readings).to.have.length(1);
    for (let i = 0; i < 4; i++) await window.admit(100);
    expect(readings, 'no reading until 500 more events went out').to.have.length(1);
    await window.admit(100);
    expect(readings).to.have.length(2);
  });

  it('waits while the furthest-behind group has more than maxBehind records to go', async () => {
    let behind = 900;
    let readings = 0;
    const window = new FeedWindow(async () => {
      readings++;
      return behind;
    }, 500, 1);
    let admitted = false;
    const admit = window.admit(100).then(() => (admitted = true));
    await waitFor('a few readings', () => readings >= 3);
    expect(admitted).to.equal(false);
    behind = 500;
    await admit;
    expect(admitted).to.equal(true);
  });

  it('lets the pump publish chunk after chunk without waiting for each to drain', async () => {
    const events: Envelope[] = Array.from({ length: 500 }, (_, i) => ({ id: `e${i}`, type: 'price.tick', ts: i, token: 'BTC', source: 'spec', correlationId: `e${i}`, data: { price: 1 } }));
    const log: string[] = [];
    const pump = new FeedPump({
      feed: { events: async function* () { yield* events; } } as never,
      publisher: { publish: async (out: readonly Envelope[]) => void log.push(`publish ${out.length}`) } as unknown as Publisher,
      drained: async () => void log.push('drained'),
      admit: async (published) => void log.push(`admit ${published}`),
      chunkSize: 200,
    });
    expect(await pump.run()).to.equal(500);
    expect(log).to.deep.equal(['publish 200', 'admit 200', 'publish 200', 'admit 200', 'publish 100', 'admit 100']);
  });
});
