import { expect } from 'chai';
import { HOUR_MS, postWeight, prune, shares, velocity, type Post } from '../../../actors/sentiment/sentiment-math.js';

const NOW = 10_000_000;
const MIN = 60_000;
// weights: 99 followers -> 1 + log10(100) = 3; 9 -> 2; 999 -> 4; 0 -> 1
const A: Post = { ts: NOW - 50 * MIN, followers: 99, stance: 'bearish' }; // w 3
const B: Post = { ts: NOW - 30 * MIN, followers: 9, stance: 'bearish' }; // w 2
const C: Post = { ts: NOW - 2 * MIN, followers: 999, stance: 'bullish' }; // w 4
const D: Post = { ts: NOW - 1 * MIN, followers: 0, stance: 'neutral' }; // w 1
const E: Post = { ts: NOW - 2 * HOUR_MS, followers: 9, stance: 'bullish' }; // outside the hour
const POSTS = [E, A, B, C, D];

describe('sentiment-math', () => {
  it('weights a post by 1 + log10(1 + followers)', () => {
    expect(postWeight(0)).to.equal(1);
    expect(postWeight(9)).to.be.closeTo(2, 1e-12);
    expect(postWeight(99)).to.be.closeTo(3, 1e-12);
    expect(postWeight(999)).to.be.closeTo(4, 1e-12);
  });

  it('computes follower-weighted shares with neutral posts diluting both', () => {
    // total 3 + 2 + 4 + 1 = 10; bullish 4/10, bearish 5/10
    const s = shares([A, B, C, D]);
    expect(s.bullish).to.be.closeTo(0.4, 1e-12);
    expect(s.bearish).to.be.closeTo(0.5, 1e-12);
    expect(s.totalWeight).to.be.closeTo(10, 1e-12);
  });

  it('gives zero shares for no posts', () => {
    expect(shares([])).to.deep.equal({ bullish: 0, bearish: 0, totalWeight: 0 });
  });

  it('measures velocity as the recent net share minus the trailing hour net share', () => {
    // last 5 min: C, D -> bullish 4/5, bearish 0 -> net 0.8
    // last hour: A, B, C, D -> 0.4 - 0.5 = -0.1 (E is 2 h old); velocity 0.8 - (-0.1) = 0.9
    expect(velocity(POSTS, NOW)).to.be.closeTo(0.9, 1e-12);
  });

  it('takes the recent window length as a parameter', () => {
    // last 40 min: B, C, D -> total 7, net (4 - 2)/7 = 2/7; velocity 2/7 + 0.1
    expect(velocity(POSTS, NOW, 40 * MIN)).to.be.closeTo(2 / 7 + 0.1, 1e-12);
  });

  it('has zero velocity with no posts', () => {
    expect(velocity([], NOW)).to.equal(0);
  });

  it('prunes posts older than one hour before the event time, keeping the boundary', () => {
    const edge: Post = { ts: NOW - HOUR_MS, followers: 0, stance: 'neutral' };
    const input = [...POSTS, edge];
    expect(prune(input, NOW)).to.deep.equal([A, B, C, D, edge]);
    expect(input).to.have.length(6); // input untouched
  });
});
