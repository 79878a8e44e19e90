// Follower-weighted sentiment over a window of posts: bullish/bearish shares, velocity of the net
// share (recent window against the trailing hour), and pruning to the hour. Windows are relative
// to an event time `now` and inclusive at both ends: now - window <= ts <= now.

export type Stance = 'bullish' | 'bearish' | 'neutral';

export interface Post {
  readonly ts: number;
  readonly followers: number;
  readonly stance: Stance;
}

export interface Shares {
  readonly bullish: number;
  readonly bearish: number;
  /** Sum of weights, neutral posts included. */
  readonly totalWeight: number;
}

export const HOUR_MS = 60 * 60 * 1000;
export const DEFAULT_RECENT_MS = 5 * 60 * 1000;

/**
 * 1 + log10(1 + followers): every post counts at least 1, reach counts with diminishing returns
 * (0 followers = 1, 9 = 2, 99 = 3), so one large account cannot drown out a crowd.
 */
export function postWeight(followers: number): number {
  return 1 + Math.log10(1 + Math.max(0, followers));
}

/** Shares of total weight (neutral posts dilute both); 0 and 0 for an empty window. */
export function shares(posts: readonly Post[]): Shares {
  let bull = 0;
  let bear = 0;
  let total = 0;
  for (const p of posts) {
    const w = postWeight(p.followers);
    total += w;
    if (p.stance === 'bullish') bull += w;
    else if (p.stance === 'bearish') bear += w;
  }
  return total > 0 ? { bullish: bull / total, bearish: bear / total, totalWeight: total } : { bullish: 0, bearish: 0, totalWeight: 0 };
}

export function netShare(posts: readonly Post[]): number {
  const s = shares(posts);
  return s.bullish - s.bearish;
}

export function within(posts: readonly Post[], now: number, windowMs: number): Post[] {
  return posts.filter((p) => p.ts >= now - windowMs && p.ts <= now);
}

/** Net share over the last recentMs minus net share over the trailing hour. */
export function velocity(posts: readonly Post[], now: number, recentMs: number = DEFAULT_RECENT_MS): number {
  return netShare(within(posts, now, recentMs)) - netShare(within(posts, now, HOUR_MS));
}

/** Drops posts older than one hour before `now`; posts stamped after `now` are kept for later. */
export function prune(posts: readonly Post[], now: number): Post[] {
  return posts.filter((p) => p.ts >= now - HOUR_MS);
}
