// The sentiment actor, one per token: keeps the posts of the trailing hour (by event time) and
// publishes follower-weighted bullish/bearish shares and their velocity after every update.
import { defineAgent } from '../../runtime/agent/agent.js';
import { SentimentChanged, SentimentUpdate } from './events.js';
import { DEFAULT_RECENT_MS, prune, shares, velocity, type Post } from './sentiment-math.js';

export interface SentimentState {
  readonly posts: readonly Post[];
}

/** Bounds the snapshot when a token goes viral; the oldest posts go first. */
export const MAX_POSTS = 10_000;

export function sentimentAgent() {
  return defineAgent({
    name: 'sentiment',
    consumes: [SentimentUpdate],
    key: 'token',
    initialState: (): SentimentState => ({ posts: [] }),
    handle: (state, event, ctx) => {
      const now = ctx.now();
      const post: Post = { ts: now, followers: event.data.followers, stance: event.data.stance };
      let posts = prune([...state.posts, post], now);
      if (posts.length > MAX_POSTS) posts = posts.slice(posts.length - MAX_POSTS);
      const s = shares(posts);
      ctx.emit(SentimentChanged, {
        bullishShare: s.bullish,
        bearishShare: s.bearish,
        velocity: velocity(posts, now, DEFAULT_RECENT_MS),
        posts: posts.length,
      });
      return { posts };
    },
  });
}
