import { expect } from 'chai';
import {
  initialOrderRateLimit,
  rateLimitAllows,
  recordOrder,
  type OrderRateLimitConfig,
  type OrderRateLimitState,
} from '../../../../actors/execution/safety/order-rate-limit.js';

const CONFIG: OrderRateLimitConfig = { maxOrders: 3, windowMs: 1000 };

function sent(...times: number[]): OrderRateLimitState {
  return times.reduce((s, t) => recordOrder(s, t), initialOrderRateLimit());
}

describe('order rate limit', () => {
  it('allows orders while fewer than maxOrders were sent in the window', () => {
    const d = rateLimitAllows(sent(100, 200), 300, CONFIG);
    expect(d).to.include({ allowed: true, reason: 'within-limit', retryAfterMs: 0 });
    expect(d.detail).to.equal('2 of 3 orders used in the last 1000 ms');
  });

  it('refuses the order that would exceed the limit and says when room opens', () => {
    const d = rateLimitAllows(sent(100, 200, 300), 400, CONFIG);
    expect(d).to.include({ allowed: false, reason: 'rate-limited', retryAfterMs: 700 });
    expect(d.detail).to.match(/reach the limit of 3; room again in 700 ms/);
  });

  it('forgets a send time exactly windowMs old (the window is (now - windowMs, now])', () => {
    const s = sent(100, 200, 300);
    expect(rateLimitAllows(s, 1099, CONFIG).allowed).to.equal(false);
    const d = rateLimitAllows(s, 1100, CONFIG);
    expect(d.allowed).to.equal(true);
    expect(d.state.timestamps).to.deep.equal([200, 300]);
  });

  it('names the send time that must leave the window when over the limit', () => {
    // 5 in the window with max 3: the count drops to 2 only when the third-newest (t=300) leaves
    const d = rateLimitAllows(sent(100, 200, 300, 400, 500), 600, CONFIG);
    expect(d.retryAfterMs).to.equal(300 + 1000 - 600);
  });

  it('asking never counts an order; recording does', () => {
    const s = sent(100);
    rateLimitAllows(s, 150, CONFIG);
    expect(s.timestamps).to.deep.equal([100]);
    expect(recordOrder(s, 150).timestamps).to.deep.equal([100, 150]);
  });

  it('never mutates the state it is given', () => {
    const s = Object.freeze({ timestamps: Object.freeze([100, 200]) });
    expect(recordOrder(s, 300).timestamps).to.deep.equal([100, 200, 300]);
    expect(rateLimitAllows(s, 1150, CONFIG).state.timestamps).to.deep.equal([200]);
    expect(s.timestamps).to.deep.equal([100, 200]);
  });

  it('keeps send times ascending when an event time arrives out of order', () => {
    expect(recordOrder(sent(100, 300), 200).timestamps).to.deep.equal([100, 200, 300]);
  });

  it('prunes on record when given the config, so the state stays bounded', () => {
    expect(recordOrder(sent(100, 200), 1150, CONFIG).timestamps).to.deep.equal([200, 1150]);
  });

  it('counts an order per send even at the same millisecond', () => {
    const d = rateLimitAllows(sent(5, 5, 5), 5, CONFIG);
    expect(d).to.include({ allowed: false, retryAfterMs: 1000 });
  });

  it('round-trips through JSON (it is snapshotted)', () => {
    const s = sent(1, 2);
    expect(JSON.parse(JSON.stringify(s))).to.deep.equal(s);
  });

  it('rejects a bad config or time with a RangeError', () => {
    expect(() => rateLimitAllows(sent(), 0, { maxOrders: 0, windowMs: 1000 })).to.throw(RangeError, /maxOrders/);
    expect(() => rateLimitAllows(sent(), 0, { maxOrders: 1.5, windowMs: 1000 })).to.throw(RangeError, /maxOrders/);
    expect(() => rateLimitAllows(sent(), 0, { maxOrders: 1, windowMs: 0 })).to.throw(RangeError, /windowMs/);
    expect(() => rateLimitAllows(sent(), Number.NaN, CONFIG)).to.throw(RangeError, /time/);
    expect(() => recordOrder(sent(), Infinity)).to.throw(RangeError, /time/);
  });
});
