import { expect } from 'chai';
import { sentimentAgent } from '../../../actors/sentiment/agent.js';
import { SentimentChanged, SentimentUpdate } from '../../../actors/sentiment/events.js';
import { runAgent, scriptedEvent } from '../../../runtime/agent/test-kit.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const post = (stance: 'bullish' | 'bearish' | 'neutral', followers: number, ts: number, token = 'SOL') =>
  scriptedEvent(SentimentUpdate, { author: `a${ts}`, followers, stance }, { ts, token });

describe('sentiment agent', () => {
  it('emits follower-weighted shares after every update', async () => {
    // weights 1 + log10(1 + followers): 0 -> 1, 9 -> 2, 99 -> 3; total 6
    const run = await runAgent(sentimentAgent(), [post('bullish', 0, T0), post('bearish', 9, T0 + 1000), post('neutral', 99, T0 + 2000)]);
    const changes = run.ofType(SentimentChanged.type);
    expect(changes).to.have.length(3);
    expect(changes[0]!.data).to.deep.equal({ bullishShare: 1, bearishShare: 0, velocity: 0, posts: 1 });
    const last = changes[2]!.data;
    expect(last.bullishShare).to.be.closeTo(1 / 6, 1e-12);
    expect(last.bearishShare).to.be.closeTo(2 / 6, 1e-12);
    expect(last.posts).to.equal(3);
    expect(changes[2]!.token).to.equal('SOL');
  });

  it('measures velocity of the last five minutes against the hour', async () => {
    // hour: one bull, one bear (net 0); last 5 min: the bull only (net 1)
    const run = await runAgent(sentimentAgent(), [post('bearish', 0, T0), post('bullish', 0, T0 + 30 * MIN)]);
    expect(run.ofType(SentimentChanged.type)[1]!.data.velocity).to.be.closeTo(1, 1e-12);
  });

  it('forgets posts older than the trailing hour', async () => {
    const run = await runAgent(sentimentAgent(), [post('bearish', 0, T0), post('bearish', 0, T0 + MIN), post('bullish', 0, T0 + 120 * MIN)]);
    const last = run.ofType(SentimentChanged.type)[2]!.data;
    expect(last).to.deep.equal({ bullishShare: 1, bearishShare: 0, velocity: 0, posts: 1 });
    expect(run.state('SOL').posts).to.deep.equal([{ ts: T0 + 120 * MIN, followers: 0, stance: 'bullish' }]);
  });
});
