// A seeded synthetic market: per-token geometric random walks with drifting regimes, plus
// occasional liquidations and sentiment posts. The same seed always yields the same stream.
import type { Feed } from '../../runtime/ports/feed.js';
import type { Envelope } from '../../runtime/events/envelope.js';
import { SeededRandom } from '../../runtime/kit/random.js';
import { SequenceIds } from '../../runtime/events/ids.js';
import { murmur2 } from '../../runtime/events/partitioner.js';
import type { LiquidationEvent, PriceTickEvent } from '../../actors/market/events.js';
import type { SentimentUpdateEvent } from '../../actors/sentiment/events.js';

export interface SyntheticFeedOptions {
  readonly seed: number;
  readonly tokens: readonly string[];
  readonly tickIntervalMs: number;
  /** Event time of the first step, ms since epoch. */
  readonly startTime: number;
  /** Chance per step of one liquidation on a random token. */
  readonly liquidationProbability: number;
  /** Chance per step of one sentiment post on a random token. */
  readonly sentimentProbability: number;
  /** Stop after this many events; endless when unset. */
  readonly maxEvents?: number;
}

export const SYNTHETIC_SOURCE = 'feed.synthetic';

const START_PRICES: Record<string, number> = { BTC: 60_000, ETH: 3000, SOL: 150, ARB: 1.2, DOGE: 0.15 };

/** Start price of a token: a known one, or 0.01 .. 10,000 derived from a hash of the symbol. */
export function startPrice(token: string): number {
  const known = START_PRICES[token];
  if (known !== undefined) return known;
  const h = murmur2(token) & 0x7fffffff;
  return Number((10 ** ((h % 600) / 100 - 2)).toPrecision(4));
}

interface TokenState {
  readonly token: string;
  price: number;
  readonly volatility: number;
  readonly baseVolume: number;
  drift: number;
  regimeLeft: number;
  /** Exponentially weighted recent log return, which biases liquidations and sentiment. */
  momentum: number;
}

interface Author {
  readonly name: string;
  readonly followers: number;
}

const round = (x: number, digits = 8): number => Number(x.toPrecision(digits));

export class SyntheticFeed implements Feed {
  readonly name = 'synthetic';

  constructor(private readonly options: SyntheticFeedOptions) {
    if (options.tokens.length === 0) throw new RangeError('synthetic feed needs at least one token');
    if (!(options.tickIntervalMs > 0)) throw new RangeError('tickIntervalMs must be positive');
  }

  /** A fresh stream from the seed each time it is called. */
  *events(): Generator<Envelope> {
    const o = this.options;
    const rnd = new SeededRandom(o.seed);
    const ids = new SequenceIds(`synthetic:${o.seed}`);
    const tokens: TokenState[] = o.tokens.map((token) => {
      const volatility = token === 'BTC' ? 0.0015 : 0.0015 + rnd.next() * 0.002;
      return {
        token,
        price: startPrice(token),
        volatility,
        baseVolume: round(1000 / Math.sqrt(startPrice(token)) * (0.5 + rnd.next()), 6),
        drift: 0,
        regimeLeft: 0,
        momentum: 0,
      };
    });
    const authors: Author[] = Array.from({ length: 12 }, (_, i) => ({
      name: `@trader${i}_${rnd.int(100, 999)}`,
      followers: Math.round(Math.exp(4 + rnd.next() * 10)),
    }));
    const limit = o.maxEvents ?? Infinity;
    let emitted = 0;
    const envelope = <T extends Envelope>(type: T['type'], ts: number, token: string, data: T['data']): T => {
      const id = ids.next();
      return { id, type, ts, token, source: SYNTHETIC_SOURCE, correlationId: id, data } as T;
    };

    for (let step = 0; emitted < limit; step++) {
      const ts = o.startTime + step * o.tickIntervalMs;
      for (const t of tokens) {
        if (emitted >= limit) return;
        if (t.regimeLeft <= 0) {
          // Regimes of 50..300 steps: up, down or sideways, so indicators see trends.
          t.regimeLeft = rnd.int(50, 300);
          t.drift = (rnd.int(-1, 1) * t.volatility) / 6;
        }
        t.regimeLeft--;
        const shock = t.volatility * rnd.gaussian();
        const logReturn = t.drift - (t.volatility * t.volatility) / 2 + shock;
        t.price *= Math.exp(logReturn);
        t.momentum = 0.9 * t.momentum + 0.1 * logReturn;
        const surge = 1 + Math.min(5, Math.abs(shock) / t.volatility);
        const volume = round(t.baseVolume * surge * Math.exp(0.5 * rnd.gaussian()), 6);
        yield envelope<PriceTickEvent>('price.tick', ts, t.token, { price: round(t.price), volume: Math.max(volume, 1e-6) });
        emitted++;
      }
      if (emitted < limit && rnd.next() < o.liquidationProbability) {
        const t = rnd.pick(tokens);
        // Falling prices liquidate longs, rising prices shorts.
        const longBias = 0.5 - Math.max(-0.4, Math.min(0.4, t.momentum / t.volatility));
        const side = rnd.next() < longBias ? 'long' : 'short';
        const notional = Math.exp(8 + rnd.next() * 5);
        const price = round(t.price * (1 + (side === 'long' ? -1 : 1) * rnd.next() * 0.002));
        yield envelope<LiquidationEvent>('liquidation', ts, t.token, { side, size: round(notional / price, 6), price });
        emitted++;
      }
      if (emitted < limit && rnd.next() < o.sentimentProbability) {
        const t = rnd.pick(tokens);
        const author = rnd.pick(authors);
        const tilt = Math.max(-0.3, Math.min(0.3, t.momentum / t.volatility));
        const u = rnd.next();
        const stance = u < 0.4 + tilt ? 'bullish' : u < 0.8 ? 'bearish' : 'neutral';
        yield envelope<SentimentUpdateEvent>('sentiment.update', ts, t.token, {
          author: author.name,
          followers: author.followers,
          stance,
        });
        emitted++;
      }
    }
  }
}
