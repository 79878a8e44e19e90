// An OHLCV CSV file as a feed of 'price.tick' events (price = close), streamed line by line.
// Header `ts,token,open,high,low,close,volume` (any order; token may come from an option instead);
// ts is ms since epoch or ISO-8601, numbers are plain decimals. Every row passes the feed
// boundary's market-data rules; a bad or refused row goes to `onError` and the feed carries on.
import { basename } from 'node:path';
import type { Feed } from '../../runtime/ports/feed.js';
import type { Envelope } from '../../runtime/events/envelope.js';
import { DecodeError, EventTypeRegistry } from '../../runtime/events/event-types.js';
import { deterministicId } from '../../runtime/events/ids.js';
import { PriceTick } from '../../actors/market/events.js';
import { FeedLineError, quote, throwOnLineError, type FeedErrorHandler, type FeedRejection, type FeedWarningHandler } from '../shared/line-error.js';
import { MarketDataCheck, type FeedRules } from './market-data-check.js';
import { readLines } from '../shared/lines.js';

export interface CsvFeedOptions {
  readonly path: string;
  /** Token of every row when the file has no token column (or leaves it empty). */
  readonly token?: string;
  readonly onError?: FeedErrorHandler;
  /** Told when the file has no rows; ignored by default. */
  readonly onWarning?: FeedWarningHandler;
  /** Market-data rules (types, tokens, price jump); defaults: market types, any token, 50 %. */
  readonly rules?: Partial<FeedRules>;
  readonly maxEvents?: number;
  readonly source?: string;
  /** Ids are deterministicId(`${idNamespace}:${line}`); defaults to `csv:<file name>`. */
  readonly idNamespace?: string;
}

const COLUMNS = ['ts', 'token', 'open', 'high', 'low', 'close', 'volume'] as const;
type Column = (typeof COLUMNS)[number];

/** ms since epoch from digits, or from an ISO-8601 date-time. */
export function parseTimestamp(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

function splitRow(text: string): string[] {
  return text.split(',').map((f) => f.trim().replace(/^"(.*)"$/, '$1'));
}

/** Plain decimal notation only: `Number()` would also take hex (`0x10`), exponents and `Infinity`. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)$/;

interface RowProblem {
  readonly code: FeedRejection;
  readonly reason: string;
}

export class CsvFeed implements Feed {
  readonly name: string;
  private readonly registry = new EventTypeRegistry([PriceTick]);

  constructor(private readonly options: CsvFeedOptions) {
    this.name = `csv:${basename(options.path)}`;
  }

  async *events(): AsyncGenerator<Envelope> {
    const o = this.options;
    const onError = o.onError ?? throwOnLineError;
    const namespace = o.idNamespace ?? `csv:${basename(o.path)}`;
    const limit = o.maxEvents ?? Infinity;
    const check = new MarketDataCheck(o.rules);
    let columns: Map<Column, number> | undefined;
    let width = 0;
    let rows = 0;
    let emitted = 0;
    if (emitted >= limit) return;
    for await (const { line, text } of readLines(o.path)) {
      if (text.trim() === '' || text.startsWith('#')) continue;
      if (!columns) {
        columns = this.header(text, line);
        width = splitRow(text).length;
        continue;
      }
      rows++;
      const refuse = (p: RowProblem) => onError(new FeedLineError(o.path, line, p.reason, text, p.code));
      const typeRefusal = check.type('price.tick');
      if (typeRefusal) {
        refuse(typeRefusal);
        continue;
      }
      const result = this.row(splitRow(text), columns, width);
      if ('reason' in result) {
        refuse(result);
        continue;
      }
      const priceRefusal = check.prices(result.data);
      if (priceRefusal) {
        refuse(priceRefusal);
        continue;
      }
      const id = deterministicId(`${namespace}:${line}`);
      let event: Envelope;
      try {
        event = this.registry.validate({ id, type: 'price.tick', ...result, source: o.source ?? 'feed.csv', correlationId: id });
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        refuse({ code: 'bad-feed-line', reason: e.message });
        continue;
      }
      const refusal = check.accept(event, line);
      if (refusal) {
        refuse(refusal);
        continue;
      }
      yield event;
      if (++emitted >= limit) return;
    }
    if (!columns) o.onWarning?.(`${o.path}: the file is empty`);
    else if (rows === 0) o.onWarning?.(`${o.path}: the file has a header but no rows`);
  }

  /** A header that does not name the needed columns makes every row meaningless: it always throws. */
  private header(text: string, line: number): Map<Column, number> {
    const names = splitRow(text).map((n) => n.toLowerCase());
    const columns = new Map<Column, number>();
    names.forEach((n, i) => {
      if ((COLUMNS as readonly string[]).includes(n)) columns.set(n as Column, i);
    });
    const needed = COLUMNS.filter((c) => !(c === 'token' && this.options.token !== undefined));
    const missing = needed.filter((c) => !columns.has(c));
    if (missing.length > 0) {
      throw new FeedLineError(this.options.path, line, `header lacks column(s) ${missing.join(', ')}`, text);
    }
    return columns;
  }

  /** The tick fields of a row, or why it is bad. */
  private row(fields: string[], columns: Map<Column, number>, width: number): { ts: number; token: string; data: Record<string, number> } | RowProblem {
    const bad = (reason: string): RowProblem => ({ code: 'bad-feed-line', reason });
    const field = (c: Column): string | undefined => {
      const i = columns.get(c);
      return i === undefined ? undefined : fields[i];
    };
    const maxIndex = Math.max(...columns.values());
    if (fields.length <= maxIndex) return bad(`expected ${maxIndex + 1} fields, got ${fields.length}`);
    // A column the header does not name would be silently dropped: the row is not what it seems.
    if (fields.length > width) return bad(`row has ${fields.length} fields, the header ${width} (extra columns)`);
    const tsText = field('ts')!;
    const ts = parseTimestamp(tsText);
    if (ts === undefined) return bad(`ts ${quote(tsText)} is neither ms since epoch nor ISO-8601`);
    const token = field('token') || this.options.token;
    if (!token) return bad('token is empty');
    const num: Partial<Record<Column, number>> = {};
    for (const c of ['open', 'high', 'low', 'close', 'volume'] as const) {
      const t = field(c)!;
      if (!DECIMAL.test(t)) return { code: c === 'volume' ? 'bad-feed-line' : 'implausible-price', reason: `${c} ${quote(t)} is not a plain decimal number` };
      num[c] = Number(t);
    }
    const { open, high, low, close, volume } = num as Record<'open' | 'high' | 'low' | 'close' | 'volume', number>;
    if (high < low) return bad(`high ${high} is below low ${low}`);
    if (open > high || open < low || close > high || close < low) return bad('open and close must lie within [low, high]');
    return { ts, token, data: { price: close, open, high, low, volume } };
  }
}
