import { expect } from 'chai';
import { RequestBudget } from '../../../adapters/llm/request-budget.js';

describe('RequestBudget', () => {
  it('allows maxRequests in a window and refuses the next one', () => {
    const budget = new RequestBudget({ maxRequests: 3, now: () => 1_000 });
    expect([budget.tryTake(), budget.tryTake(), budget.tryTake()]).to.deep.equal([true, true, true]);
    expect(budget.tryTake()).to.equal(false);
    expect(budget.remaining()).to.equal(0);
  });

  it('frees each request a full window after it was taken (rolling, not fixed, minute)', () => {
    let now = 0;
    const budget = new RequestBudget({ maxRequests: 2, now: () => now });
    budget.tryTake(); // at 0
    now = 30_000;
    budget.tryTake(); // at 30 s
    now = 59_999;
    expect(budget.tryTake()).to.equal(false);
    expect(budget.retryInMs()).to.equal(1);
    now = 60_000; // the first one has left the window, the second has not
    expect(budget.remaining()).to.equal(1);
    expect(budget.tryTake()).to.equal(true);
    expect(budget.tryTake()).to.equal(false);
    expect(budget.retryInMs()).to.equal(30_000);
  });

  it('does not spend budget on refused requests', () => {
    let now = 0;
    const budget = new RequestBudget({ maxRequests: 1, now: () => now });
    budget.tryTake();
    for (let i = 0; i < 5; i++) expect(budget.tryTake()).to.equal(false);
    now = 60_000;
    expect(budget.tryTake()).to.equal(true);
  });

  it('honours a custom window', () => {
    let now = 0;
    const budget = new RequestBudget({ maxRequests: 1, windowMs: 1_000, now: () => now });
    budget.tryTake();
    now = 1_000;
    expect(budget.tryTake()).to.equal(true);
  });

  it('rejects a limit that is not a positive integer', () => {
    for (const maxRequests of [0, -1, 1.5, Number.NaN]) {
      expect(() => new RequestBudget({ maxRequests }), String(maxRequests)).to.throw(RangeError, /maxRequests/);
    }
    expect(() => new RequestBudget({ maxRequests: 1, windowMs: 0 })).to.throw(RangeError, /windowMs/);
  });
});
