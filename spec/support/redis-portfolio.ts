// The positions and the Redis portfolio cache the portfolio specs share: a long, a short and a
// closed position, and a cache on the shared Redis under a key prefix of its own, emptied after
// each spec and closed after the suite.
import { Redis } from 'ioredis';
import { applyFill, emptyPosition, markToMarket } from '../../actors/position/position-math.js';
import { RedisCache } from '../../adapters/state/redis/cache.js';
import { RedisPortfolioCache } from '../../adapters/state/redis/portfolio-cache.js';
import { SHARED_REDIS_URL, deleteKeys, uniquePrefix } from './redis-server.js';

export const long = markToMarket(applyFill(emptyPosition(), { side: 'buy', size: 2, price: 100, fee: 0.2 }), 110);
export const short = markToMarket(applyFill(emptyPosition(), { side: 'sell', size: 10, price: 3, fee: 0.03 }), 2.5);
export const closed = applyFill(applyFill(emptyPosition(), { side: 'buy', size: 1, price: 50, fee: 0 }), { side: 'sell', size: 1, price: 55, fee: 0.1 });

export interface RedisPortfolio {
  readonly prefix: string;
  redis: Redis;
  cache: RedisCache;
  portfolio: RedisPortfolioCache;
}

/** Registers the mocha hooks of a cache under `name`'s prefix; its fields are set once `before` ran. */
export function redisPortfolio(name: string): RedisPortfolio {
  const it = { prefix: uniquePrefix(name) } as RedisPortfolio;
  before(() => {
    it.redis = new Redis(SHARED_REDIS_URL);
    it.cache = new RedisCache({ redis: it.redis, keyPrefix: it.prefix });
    it.portfolio = new RedisPortfolioCache(it.cache);
  });
  afterEach(() => deleteKeys(it.redis, it.prefix));
  after(async () => {
    await it.cache.close();
    await it.redis.quit();
  });
  return it;
}
