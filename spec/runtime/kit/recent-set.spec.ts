import { expect } from 'chai';
import { RecentSet } from '../../../runtime/kit/recent-set.js';

describe('RecentSet', () => {
  it('remembers the last capacity values and forgets the oldest first', () => {
    const set = new RecentSet<string>(3);
    for (const v of ['a', 'b', 'c', 'd']) set.add(v);
    expect(['a', 'b', 'c', 'd'].map((v) => set.has(v))).to.deep.equal([false, true, true, true]);
    expect(set.size).to.equal(3);
    set.add('e');
    expect(['b', 'c', 'd', 'e'].map((v) => set.has(v))).to.deep.equal([false, true, true, true]);
  });

  it('does not count a value added twice twice, so it does not push another out early', () => {
    const set = new RecentSet<number>(2);
    set.add(1);
    set.add(1);
    set.add(2);
    expect([set.has(1), set.has(2), set.size]).to.deep.equal([true, true, 2]);
  });

  it('keeps working far past its capacity (the ring wraps many times)', () => {
    const set = new RecentSet<number>(1000);
    for (let i = 0; i < 100_000; i++) set.add(i);
    expect([set.size, set.has(98_999), set.has(99_000), set.has(99_999)]).to.deep.equal([1000, false, true, true]);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new RecentSet(0)).to.throw(RangeError, /positive integer/);
  });
});

describe('RecentMap', () => {
  it('forgets the oldest key first, keeps a known key in its place when set again, and lists keys oldest first', async () => {
    const { RecentMap } = await import('../../../runtime/kit/recent-map.js');
    const map = new RecentMap<string, number>(3);
    map.set('a', 1);
    map.set('b', 2);
    map.set('a', 10); // a known key: value updated, order kept
    map.set('c', 3);
    expect([map.keys(), map.get('a')]).to.deep.equal([['a', 'b', 'c'], 10]);
    map.set('d', 4);
    expect([map.keys(), map.has('a'), map.size]).to.deep.equal([['b', 'c', 'd'], false, 3]);
  });

  it('gives a RecentSet\'s values oldest first, as a snapshot keeps them', () => {
    const set = new RecentSet<number>(3);
    for (const v of [1, 2, 3, 4, 5]) set.add(v);
    expect(set.values()).to.deep.equal([3, 4, 5]);
  });
});
