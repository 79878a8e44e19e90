// The CSV feed: OHLCV rows streamed into validated 'price.tick' envelopes; bad rows are reported
// with their line number through onError, and the feed carries on.
import { expect } from 'chai';
import path from 'node:path';
import { CsvFeed, parseTimestamp } from '../../../adapters/feeds/csv.js';
import { FeedLineError } from '../../../adapters/shared/line-error.js';
import { EventTypeRegistry } from '../../../runtime/events/event-types.js';
import { domainEventTypes } from '../../../actors/events.js';
import type { Envelope } from '../../../runtime/events/envelope.js';

const fixture = (name: string): string => path.resolve(process.cwd(), 'spec/support/fixtures', name);

async function collect(iterable: AsyncIterable<Envelope> | Iterable<Envelope>): Promise<Envelope[]> {
  const out: Envelope[] = [];
  for await (const e of iterable) out.push(e);
  return out;
}

describe('adapters/feeds/csv', () => {
  it('turns each of the 30 rows into a valid price.tick with price = close', async () => {
    const events = await collect(new CsvFeed({ path: fixture('ohlcv.csv') }).events());
    expect(events).to.have.length(30);
    const registry = new EventTypeRegistry(domainEventTypes);
    for (const e of events) expect(registry.validate(e)).to.deep.equal(e);
    expect(events[0]).to.deep.include({
      type: 'price.tick',
      ts: 1767225600000,
      token: 'BTC',
      source: 'feed.csv',
      data: { price: 60060, open: 60000, high: 60120.06, low: 59940, volume: 10 },
    });
    expect(events[0]!.correlationId).to.equal(events[0]!.id);
    expect(events.filter((e) => e.token === 'ETH')).to.have.length(15);
  });

  it('reads ISO-8601 and ms-epoch timestamps alike', async () => {
    const events = await collect(new CsvFeed({ path: fixture('ohlcv.csv') }).events());
    // Row 3 is written as 2026-01-01T00:01:00.000Z.
    expect(events[2]!.ts).to.equal(Date.UTC(2026, 0, 1, 0, 1));
    expect(events.map((e) => e.ts)).to.deep.equal([...events.map((e) => e.ts)].sort((a, b) => a - b));
    expect(parseTimestamp('1767225600000')).to.equal(1767225600000);
    expect(parseTimestamp('2026-01-01T00:00:00+01:00')).to.equal(Date.UTC(2025, 11, 31, 23));
    expect(parseTimestamp('yesterday')).to.equal(undefined);
  });

  it('gives the same deterministic ids on every read of the file', async () => {
    const a = await collect(new CsvFeed({ path: fixture('ohlcv.csv') }).events());
    const b = await collect(new CsvFeed({ path: fixture('ohlcv.csv') }).events());
    expect(b.map((e) => e.id)).to.deep.equal(a.map((e) => e.id));
    expect(new Set(a.map((e) => e.id)).size).to.equal(30);
  });

  it('takes the token from an option when the file has no token column', async () => {
    const events = await collect(new CsvFeed({ path: fixture('ohlcv-no-token.csv'), token: 'SOL' }).events());
    expect(events.map((e) => [e.token, (e.data as { price: number }).price])).to.deep.equal([
      ['SOL', 150.5],
      ['SOL', 151.75],
      ['SOL', 150.5],
    ]);
  });

  it('refuses a header without a token column when no token option is given', async () => {
    let error: unknown;
    try {
      await collect(new CsvFeed({ path: fixture('ohlcv-no-token.csv') }).events());
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(FeedLineError);
    expect(error).to.include({ line: 1, reason: 'header lacks column(s) token' });
  });

  it('reports each bad line with its number and reason through onError and carries on', async () => {
    const errors: FeedLineError[] = [];
    const events = await collect(new CsvFeed({ path: fixture('ohlcv-bad.csv'), onError: (e) => errors.push(e) }).events());
    expect(events.map((e) => e.ts)).to.deep.equal([1767225600000, 1767225900000]);
    expect(errors.map((e) => [e.line, e.reason])).to.deep.equal([
      [3, 'ts "yesterday" is neither ms since epoch nor ISO-8601'],
      [4, 'close "abc" is not a plain decimal number'],
      [5, 'high 60100 is below low 60300'],
      [6, 'expected 7 fields, got 5'],
    ]);
    expect(errors.map((e) => e.code)).to.deep.equal(['bad-feed-line', 'implausible-price', 'bad-feed-line', 'bad-feed-line']);
    expect(errors[0]!.file).to.equal(fixture('ohlcv-bad.csv'));
    expect(errors[0]!.text).to.equal('yesterday,BTC,60050,60200,60000,60150,10');
  });

  it('throws the first bad line by default', async () => {
    let error: unknown;
    try {
      await collect(new CsvFeed({ path: fixture('ohlcv-bad.csv') }).events());
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(FeedLineError);
    expect((error as FeedLineError).line).to.equal(3);
    expect((error as Error).message).to.match(/ohlcv-bad\.csv:3: ts "yesterday"/);
  });

  it('stops after maxEvents', async () => {
    expect(await collect(new CsvFeed({ path: fixture('ohlcv.csv'), maxEvents: 4 }).events())).to.have.length(4);
  });
});
