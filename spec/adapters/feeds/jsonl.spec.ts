// The JSONL feed: full envelopes pass through validated, bare events get deterministic ids, and
// bad lines are reported with their line number while the feed carries on.
import { expect } from 'chai';
import path from 'node:path';
import { JsonlFeed } from '../../../adapters/feeds/jsonl.js';
import { FeedLineError } from '../../../adapters/shared/line-error.js';
import { createFeed } from '../../../adapters/feeds/index.js';
import { SyntheticFeed } from '../../../adapters/feeds/synthetic.js';
import { CsvFeed } from '../../../adapters/feeds/csv.js';
import { deterministicId } from '../../../runtime/events/ids.js';
import { defaultConfig } from '../../../config/schema.js';
import type { Envelope } from '../../../runtime/events/envelope.js';

const fixture = (name: string): string => path.resolve(process.cwd(), 'spec/support/fixtures', name);

async function collect(iterable: AsyncIterable<Envelope> | Iterable<Envelope>): Promise<Envelope[]> {
  const out: Envelope[] = [];
  for await (const e of iterable) out.push(e);
  return out;
}

describe('adapters/feeds/jsonl', () => {
  it('passes full envelopes through and completes bare events, reporting bad lines', async () => {
    const errors: FeedLineError[] = [];
    const events = await collect(new JsonlFeed({ path: fixture('events.jsonl'), onError: (e) => errors.push(e) }).events());
    expect(events.map((e) => [e.type, e.token])).to.deep.equal([
      ['price.tick', 'BTC'],
      ['price.tick', 'ETH'],
      ['liquidation', 'SOL'],
      ['sentiment.update', 'DOGE'],
    ]);
    expect(events[0]).to.deep.equal({
      id: '0b5c7f2e-8a41-5c1e-9d2a-4f1e2c3b4a50',
      type: 'price.tick',
      ts: 1767225600000,
      token: 'BTC',
      source: 'recorder',
      correlationId: '0b5c7f2e-8a41-5c1e-9d2a-4f1e2c3b4a50',
      data: { price: 60000, volume: 3.5 },
    });
    const bareId = deterministicId('jsonl:events.jsonl:2');
    expect(events[1]).to.deep.equal({
      id: bareId,
      type: 'price.tick',
      ts: 1767225601000,
      token: 'ETH',
      source: 'feed.jsonl',
      correlationId: bareId,
      data: { price: 3000.5, volume: 12 },
    });
    expect(events[2]!.ts).to.equal(Date.UTC(2026, 0, 1, 0, 0, 2));
    expect(errors.map((e) => e.line)).to.deep.equal([4, 7]);
    expect(errors[0]!.reason).to.match(/^invalid-data: price\.tick: price:/);
    expect(errors[1]!.reason).to.match(/^malformed-json: /);
  });

  it('throws the first bad line by default', async () => {
    let error: unknown;
    try {
      await collect(new JsonlFeed({ path: fixture('events.jsonl') }).events());
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(FeedLineError);
    expect((error as FeedLineError).line).to.equal(4);
  });

  it('gives bare events the same ids on every read', async () => {
    const read = async () => (await collect(new JsonlFeed({ path: fixture('events.jsonl'), onError: () => {} }).events())).map((e) => e.id);
    expect(await read()).to.deep.equal(await read());
  });

  it('stops after maxEvents', async () => {
    const events = await collect(new JsonlFeed({ path: fixture('events.jsonl'), maxEvents: 2 }).events());
    expect(events.map((e) => e.token)).to.deep.equal(['BTC', 'ETH']);
  });
});

describe('adapters/feeds createFeed', () => {
  it('builds the feed the configuration names', () => {
    const feed = defaultConfig().feed;
    expect(createFeed(feed, 1)).to.be.instanceOf(SyntheticFeed);
    expect(createFeed({ ...feed, kind: 'csv', path: fixture('ohlcv.csv') }, 1)).to.be.instanceOf(CsvFeed);
    expect(createFeed({ ...feed, kind: 'jsonl', path: fixture('events.jsonl') }, 1)).to.be.instanceOf(JsonlFeed);
  });

  it('passes the seed and the event limit to the synthetic feed', () => {
    const feed = defaultConfig().feed;
    const a = [...(createFeed(feed, 9, 25).events() as Iterable<Envelope>)];
    const b = [...new SyntheticFeed({ ...feed, seed: 9, maxEvents: 25 }).events()];
    expect(a).to.have.length(25);
    expect(a).to.deep.equal(b);
  });
});
