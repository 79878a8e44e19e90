// The synthetic feed: a seeded, reproducible market stream of valid domain envelopes.
import { expect } from 'chai';
import { SyntheticFeed, startPrice, type SyntheticFeedOptions } from '../../../adapters/feeds/synthetic.js';
import { EventTypeRegistry } from '../../../runtime/events/event-types.js';
import { domainEventTypes } from '../../../actors/events.js';
import type { Envelope } from '../../../runtime/events/envelope.js';

const base: SyntheticFeedOptions = {
  seed: 42,
  tokens: ['BTC', 'ETH', 'SOL', 'ARB', 'DOGE'],
  tickIntervalMs: 1000,
  startTime: Date.UTC(2026, 0, 1),
  liquidationProbability: 0.02,
  sentimentProbability: 0.1,
};

function take(feed: SyntheticFeed, n: number): Envelope[] {
  const out: Envelope[] = [];
  for (const e of feed.events()) {
    out.push(e);
    if (out.length === n) break;
  }
  return out;
}

describe('adapters/feeds/synthetic', () => {
  it('produces an identical stream for the same seed (first 5,000 events)', () => {
    const a = take(new SyntheticFeed(base), 5000);
    const b = take(new SyntheticFeed(base), 5000);
    expect(a).to.have.length(5000);
    expect(b).to.deep.equal(a);
  });

  it('replays the same stream when events() is called again on one instance', () => {
    const feed = new SyntheticFeed(base);
    expect(take(feed, 200)).to.deep.equal(take(feed, 200));
  });

  it('produces a different stream for a different seed', () => {
    const a = take(new SyntheticFeed(base), 500);
    const b = take(new SyntheticFeed({ ...base, seed: 43 }), 500);
    expect(b.map((e) => e.id)).to.not.deep.equal(a.map((e) => e.id));
    expect(b.map((e) => e.data)).to.not.deep.equal(a.map((e) => e.data));
  });

  it('emits envelopes that pass the domain event registry', () => {
    const registry = new EventTypeRegistry(domainEventTypes);
    const events = take(new SyntheticFeed(base), 5000);
    for (const e of events) expect(registry.validate(e)).to.deep.equal(e);
    const types = new Set(events.map((e) => e.type));
    expect([...types].sort()).to.deep.equal(['liquidation', 'price.tick', 'sentiment.update']);
  });

  it('emits one tick per token per step, advancing event time by the interval', () => {
    const ticks = take(new SyntheticFeed({ ...base, liquidationProbability: 0, sentimentProbability: 0 }), 15);
    expect(ticks.map((e) => e.token)).to.deep.equal([...base.tokens, ...base.tokens, ...base.tokens]);
    expect(ticks.map((e) => e.ts)).to.deep.equal([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2].map((s) => base.startTime + s * 1000));
    expect(ticks.every((e) => e.type === 'price.tick')).to.equal(true);
  });

  it('sets source, token and correlationId = id on every event, with unique ids', () => {
    const events = take(new SyntheticFeed(base), 2000);
    for (const e of events) {
      expect(e.source).to.equal('feed.synthetic');
      expect(e.correlationId).to.equal(e.id);
      expect(base.tokens).to.include(e.token);
    }
    expect(new Set(events.map((e) => e.id)).size).to.equal(events.length);
  });

  it('starts prices near the per-token start prices and keeps them positive with positive volume', () => {
    const first = take(new SyntheticFeed({ ...base, liquidationProbability: 0, sentimentProbability: 0 }), 5);
    const start: Record<string, number> = { BTC: 60_000, ETH: 3000, SOL: 150, ARB: 1.2, DOGE: 0.15 };
    for (const e of first) {
      const { price } = e.data as { price: number };
      expect(price / start[e.token!]!).to.be.within(0.98, 1.02);
    }
    for (const e of take(new SyntheticFeed(base), 20_000)) {
      if (e.type !== 'price.tick') continue;
      const d = e.data as { price: number; volume: number };
      expect(d.price).to.be.greaterThan(0);
      expect(d.volume).to.be.greaterThan(0);
    }
  });

  it('derives a stable start price for unknown tokens from the symbol', () => {
    expect(startPrice('PEPE')).to.equal(startPrice('PEPE'));
    expect(startPrice('PEPE')).to.be.within(0.01, 10_000);
    expect(startPrice('PEPE')).to.not.equal(startPrice('WIF'));
  });

  it('emits liquidations and sentiment updates at roughly the configured rates', () => {
    const steps = 4000;
    const events = take(new SyntheticFeed({ ...base, liquidationProbability: 0.25, sentimentProbability: 0.5 }), 100_000).filter(
      (e) => e.ts < base.startTime + steps * 1000,
    );
    const liquidations = events.filter((e) => e.type === 'liquidation').length;
    const sentiment = events.filter((e) => e.type === 'sentiment.update');
    expect(liquidations / steps).to.be.within(0.2, 0.3);
    expect(sentiment.length / steps).to.be.within(0.45, 0.55);
    const authors = new Set(sentiment.map((e) => (e.data as { author: string }).author));
    expect(authors.size).to.be.within(2, 12);
  });

  it('moves prices in trends: some 300-step windows move more than 2%', () => {
    const closes = take(new SyntheticFeed({ ...base, tokens: ['BTC'], liquidationProbability: 0, sentimentProbability: 0 }), 3000).map(
      (e) => (e.data as { price: number }).price,
    );
    let trending = 0;
    for (let i = 300; i < closes.length; i += 300) if (Math.abs(closes[i]! / closes[i - 300]! - 1) > 0.02) trending++;
    expect(trending).to.be.greaterThan(0);
  });

  it('stops after maxEvents', () => {
    expect([...new SyntheticFeed({ ...base, maxEvents: 7 }).events()]).to.have.length(7);
    expect([...new SyntheticFeed({ ...base, maxEvents: 0 }).events()]).to.have.length(0);
  });
});
