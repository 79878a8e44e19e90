// The feed boundary's rules for market data from outside (a CSV or JSONL file): which event types
// a feed may carry, which tokens, and what a plausible record is. Actors trust what reaches the
// log, so the rules are applied here, where the file's lines enter. One instance per read of a
// file: it remembers each token's last accepted price, time and the records accepted at that time.
import { marketDataTypes } from '../../actors/market/events.js';
import type { Envelope } from '../../runtime/events/envelope.js';
import type { FeedRejection } from '../shared/line-error.js';
import { quote } from '../shared/line-error.js';

export interface FeedRules {
  /** Event types a feed may carry (feed.allowedTypes). */
  readonly allowedTypes: readonly string[];
  /** Tokens the deployment trades (feed.tokens); unset = any token. */
  readonly tokens?: readonly string[];
  /** Largest move from the token's last accepted price, as a fraction (feed.maxPriceJump). */
  readonly maxPriceJump: number;
}

export const defaultFeedRules: FeedRules = { allowedTypes: marketDataTypes, maxPriceJump: 0.5 };

export interface Refusal {
  readonly code: FeedRejection;
  readonly reason: string;
}

/** Data fields that hold a price, in the order they are checked. */
const PRICE_FIELDS = ['price', 'open', 'high', 'low'] as const;

interface TokenMark {
  price: number | undefined;
  ts: number;
  /** Records accepted at `ts`: content key -> line. */
  readonly atTs: Map<string, number>;
}

const percent = (fraction: number): string => String(Number((fraction * 100).toPrecision(12)));

export class MarketDataCheck {
  private readonly rules: FeedRules;
  private readonly allowed: ReadonlySet<string>;
  private readonly tokens: ReadonlySet<string> | undefined;
  private readonly marks = new Map<string, TokenMark>();

  constructor(rules: Partial<FeedRules> = {}) {
    this.rules = { ...defaultFeedRules, ...rules };
    this.allowed = new Set(this.rules.allowedTypes);
    this.tokens = this.rules.tokens ? new Set(this.rules.tokens) : undefined;
  }

  allows(type: string): boolean {
    return this.allowed.has(type);
  }

  /** Before the schema: a type a feed may not carry is refused whatever its data says. */
  type(type: unknown): Refusal | undefined {
    if (typeof type === 'string' && this.allowed.has(type)) return undefined;
    return {
      code: 'type-not-allowed-from-feed',
      reason: `type ${quote(type)} is not allowed from a feed (feed.allowedTypes: ${this.rules.allowedTypes.join(', ')})`,
    };
  }

  /** Before the schema, so the reason is implausible-price: a numeric price must be finite and positive. */
  prices(data: unknown): Refusal | undefined {
    if (typeof data !== 'object' || data === null) return undefined;
    for (const field of PRICE_FIELDS) {
      const value = (data as Record<string, unknown>)[field];
      if (typeof value !== 'number') continue;
      if (!Number.isFinite(value)) return { code: 'implausible-price', reason: `${field} ${value} is not finite` };
      if (value <= 0) return { code: 'implausible-price', reason: `${field} ${value} is not positive` };
    }
    return undefined;
  }

  /** After the schema: token, time, repeat and price jump. An event it returns nothing for is accepted and remembered. */
  accept(event: Envelope, line: number): Refusal | undefined {
    const token = event.token;
    if (token === undefined) return { code: 'unknown-token', reason: `a ${event.type} needs a token` };
    if (this.tokens && !this.tokens.has(token)) {
      return { code: 'unknown-token', reason: `token ${quote(token)} is not in feed.tokens (${[...this.tokens].join(', ')})` };
    }
    const mark = this.marks.get(token);
    if (mark && event.ts < mark.ts) {
      return { code: 'timestamp-backwards', reason: `ts ${event.ts} is before the last ${token} ts ${mark.ts}` };
    }
    const key = `${event.type}\u0000${JSON.stringify(event.data)}`;
    const earlier = mark && event.ts === mark.ts ? mark.atTs.get(key) : undefined;
    if (earlier !== undefined) return { code: 'duplicate-line', reason: `repeats line ${earlier}` };
    const jump = mark?.price !== undefined ? this.jump(event, token, mark.price) : undefined;
    if (jump) return jump;
    this.remember(event, token, mark, key, line);
    return undefined;
  }

  private jump(event: Envelope, token: string, last: number): Refusal | undefined {
    const data = event.data as Record<string, unknown>;
    for (const field of PRICE_FIELDS) {
      const value = data[field];
      if (typeof value !== 'number') continue;
      const move = Math.abs(value / last - 1);
      if (move > this.rules.maxPriceJump) {
        return {
          code: 'implausible-price',
          reason: `${field} ${value} is ${(move * 100).toFixed(1)} % from the last ${token} price ${last} (feed.maxPriceJump ${percent(this.rules.maxPriceJump)} %)`,
        };
      }
    }
    return undefined;
  }

  private remember(event: Envelope, token: string, mark: TokenMark | undefined, key: string, line: number): void {
    const price = (event.data as { price?: unknown }).price;
    const next = typeof price === 'number' ? price : mark?.price;
    if (!mark || event.ts > mark.ts) {
      this.marks.set(token, { price: next, ts: event.ts, atTs: new Map([[key, line]]) });
      return;
    }
    mark.price = next;
    mark.atTs.set(key, line);
  }
}
