import { expect } from 'chai';
import {
  approveReview,
  enqueueReview,
  expireReviews,
  initialReviewQueue,
  rejectReview,
  type ReviewOrder,
  type ReviewQueueConfig,
  type ReviewQueueState,
} from '../../../../actors/execution/safety/review-queue.js';

const CONFIG: ReviewQueueConfig = { maxItems: 3, ttlMs: 60_000 };

function order(id: string, over: Partial<ReviewOrder> = {}): ReviewOrder {
  return { token: 'SOL', side: 'buy', size: 200, price: 100, reduceOnly: false, clientOrderId: id, causeId: `sig-${id}`, correlationId: `corr-${id}`, ...over };
}

function queued(entries: [string, number][], config = CONFIG): ReviewQueueState {
  return entries.reduce(
    (s, [id, now]) => enqueueReview(s, { order: order(id), reason: 'notional-review', detail: 'big' }, now, config).state,
    initialReviewQueue(),
  );
}

describe('review queue', () => {
  it('queues an order under its client order id with a TTL', () => {
    const u = enqueueReview(initialReviewQueue(), { order: order('rg-1'), reason: 'notional-review', detail: 'notional 20000' }, 1000, CONFIG);
    const item = { id: 'rg-1', order: order('rg-1'), reason: 'notional-review', detail: 'notional 20000', createdAt: 1000, expiresAt: 61_000 };
    expect(u.state).to.deep.equal({ items: [item] });
    expect(u.outcomes).to.deep.equal([{ kind: 'queued', item, detail: 'order rg-1 waits for review until 61000' }]);
  });

  it('treats the same client order id, still waiting, as a redelivery: nothing changes', () => {
    const s = queued([['rg-1', 0]]);
    const u = enqueueReview(s, { order: order('rg-1'), reason: 'notional-review', detail: 'again' }, 10, CONFIG);
    expect(u.state).to.equal(s);
    expect(u.outcomes.map((o) => o.kind)).to.deep.equal(['already-queued']);
  });

  it('approves a waiting order: it leaves the queue and comes back for submission', () => {
    const s = queued([['rg-1', 0], ['rg-2', 0]]);
    const u = approveReview(s, 'rg-1', 'alice', 5000);
    expect(u.outcome).to.deep.include({ kind: 'approved', by: 'alice', at: 5000, detail: 'order rg-1 approved by alice' });
    if (u.outcome.kind !== 'approved') throw new Error('expected approved');
    expect(u.outcome.item.order).to.deep.equal(order('rg-1'));
    expect(u.state.items.map((i) => i.id)).to.deep.equal(['rg-2']);
  });

  it('rejects a waiting order with who and why', () => {
    const u = rejectReview(queued([['rg-1', 0]]), 'rg-1', 'bob', 'too large', 10);
    expect(u.outcome).to.deep.include({ kind: 'rejected', by: 'bob', reason: 'too large', at: 10, detail: 'order rg-1 rejected by bob: too large' });
    expect(u.state.items).to.deep.equal([]);
  });

  it('fails with unknown-id for an id that is not waiting, changing nothing', () => {
    const s = queued([['rg-1', 0]]);
    const a = approveReview(s, 'rg-9', 'alice', 10);
    expect(a.outcome).to.deep.equal({ kind: 'failed', reason: 'unknown-id', id: 'rg-9', detail: 'no order rg-9 is waiting for review' });
    expect(a.state).to.equal(s);
    // approving twice: the second is unknown
    const twice = approveReview(approveReview(s, 'rg-1', 'alice', 10).state, 'rg-1', 'alice', 11);
    expect(twice.outcome).to.include({ kind: 'failed', reason: 'unknown-id' });
  });

  it('fails with expired when approving at or after expiresAt, and removes the item reporting it', () => {
    const s = queued([['rg-1', 0]]);
    expect(approveReview(s, 'rg-1', 'alice', 59_999).outcome.kind).to.equal('approved');
    const u = approveReview(s, 'rg-1', 'alice', 60_000);
    expect(u.outcome).to.deep.include({ kind: 'failed', reason: 'expired', id: 'rg-1' });
    expect(u.outcome).to.have.nested.property('item.id', 'rg-1');
    expect(u.state.items).to.deep.equal([]);
    expect(rejectReview(s, 'rg-1', 'bob', 'late', 70_000).outcome).to.include({ kind: 'failed', reason: 'expired' });
  });

  it('expires items at expiresAt and reports each one', () => {
    const s = queued([['rg-1', 0], ['rg-2', 30_000]]);
    expect(expireReviews(s, 59_999).outcomes).to.deep.equal([]);
    expect(expireReviews(s, 59_999).state).to.equal(s);
    const u = expireReviews(s, 60_000);
    expect(u.outcomes.map((o) => [o.kind, o.item.id])).to.deep.equal([['expired', 'rg-1']]);
    expect(u.outcomes[0]!.detail).to.equal('order rg-1 expired unreviewed at 60000');
    expect(u.state.items.map((i) => i.id)).to.deep.equal(['rg-2']);
  });

  it('evicts the item expiring soonest when full, and reports it', () => {
    const s = queued([['rg-1', 0], ['rg-2', 10], ['rg-3', 20]]);
    const u = enqueueReview(s, { order: order('rg-4'), reason: 'notional-review', detail: 'big' }, 30, CONFIG);
    expect(u.outcomes.map((o) => [o.kind, o.item.id])).to.deep.equal([['evicted', 'rg-1'], ['queued', 'rg-4']]);
    expect(u.outcomes[0]!.detail).to.equal('review queue full (3): evicted rg-1, expiring at 60000');
    expect(u.state.items.map((i) => i.id)).to.deep.equal(['rg-2', 'rg-3', 'rg-4']);
  });

  it('evicts the earliest queued among items expiring at the same time', () => {
    const s = queued([['rg-1', 0], ['rg-2', 0], ['rg-3', 0]]);
    const u = enqueueReview(s, { order: order('rg-4'), reason: 'notional-review', detail: 'big' }, 0, CONFIG);
    expect(u.outcomes[0]).to.have.nested.property('item.id', 'rg-1');
  });

  it('drops expired items before evicting a live one to make room', () => {
    const s = queued([['rg-1', 0], ['rg-2', 50_000], ['rg-3', 50_000]]);
    const u = enqueueReview(s, { order: order('rg-4'), reason: 'notional-review', detail: 'big' }, 60_000, CONFIG);
    expect(u.outcomes.map((o) => [o.kind, o.item.id])).to.deep.equal([['expired', 'rg-1'], ['queued', 'rg-4']]);
    expect(u.state.items.map((i) => i.id)).to.deep.equal(['rg-2', 'rg-3', 'rg-4']);
  });

  it('requeues an id whose earlier entry expired, reporting the expiry', () => {
    const s = queued([['rg-1', 0]]);
    const u = enqueueReview(s, { order: order('rg-1'), reason: 'notional-review', detail: 'again' }, 60_000, CONFIG);
    expect(u.outcomes.map((o) => o.kind)).to.deep.equal(['expired', 'queued']);
    expect(u.state.items).to.have.length(1);
    expect(u.state.items[0]).to.include({ createdAt: 60_000, expiresAt: 120_000 });
  });

  it('never mutates its input and round-trips through JSON', () => {
    const s = Object.freeze(queued([['rg-1', 0], ['rg-2', 0], ['rg-3', 0]]));
    const copy = JSON.parse(JSON.stringify(s)) as ReviewQueueState;
    enqueueReview(s, { order: order('rg-4'), reason: 'notional-review', detail: 'x' }, 1, CONFIG);
    approveReview(s, 'rg-1', 'a', 1);
    rejectReview(s, 'rg-2', 'a', 'no', 1);
    expireReviews(s, 1e9);
    expect(s).to.deep.equal(copy);
  });

  it('refuses bad input with a RangeError', () => {
    const enq = (o: ReviewOrder, config = CONFIG) => enqueueReview(initialReviewQueue(), { order: o, reason: 'notional-review', detail: 'x' }, 0, config);
    expect(() => enq(order(''))).to.throw(RangeError, /clientOrderId/);
    expect(() => enq(order('rg-1', { size: 0 }))).to.throw(RangeError, /size/);
    expect(() => enq(order('rg-1', { price: Number.NaN }))).to.throw(RangeError, /price/);
    expect(() => enq(order('rg-1'), { maxItems: 0, ttlMs: 1 })).to.throw(RangeError, /maxItems/);
    expect(() => enq(order('rg-1'), { maxItems: 1, ttlMs: 0 })).to.throw(RangeError, /ttlMs/);
    expect(() => approveReview(initialReviewQueue(), 'rg-1', '', 0)).to.throw(RangeError, /approver/);
    expect(() => rejectReview(initialReviewQueue(), 'rg-1', 'bob', '', 0)).to.throw(RangeError, /reason/);
  });
});
