// A JSON-lines file as a feed: each line is a full envelope, or a bare `{ type, ts, token, data }`
// to which the feed adds a deterministic id, its source and correlationId. A feed carries market
// data only: a line of any other type (an order command, a trade) is refused before its data is
// read, and every event passes the schemas and the feed boundary's market-data rules. A bad or
// refused line goes to `onError` and the feed carries on.
import { basename } from 'node:path';
import type { Feed } from '../../runtime/ports/feed.js';
import type { Envelope } from '../../runtime/events/envelope.js';
import { DecodeError, EventTypeRegistry } from '../../runtime/events/event-types.js';
import { deterministicId } from '../../runtime/events/ids.js';
import { domainEventTypes } from '../../actors/events.js';
import { FeedLineError, throwOnLineError, type FeedErrorHandler, type FeedWarningHandler } from '../shared/line-error.js';
import { MarketDataCheck, type FeedRules } from './market-data-check.js';
import { readLines } from '../shared/lines.js';
import { parseTimestamp } from './csv.js';

export interface JsonlFeedOptions {
  readonly path: string;
  readonly onError?: FeedErrorHandler;
  /** Told when the file has no events; ignored by default. */
  readonly onWarning?: FeedWarningHandler;
  /** Market-data rules (types, tokens, price jump); defaults: market types, any token, 50 %. */
  readonly rules?: Partial<FeedRules>;
  readonly maxEvents?: number;
  /** Source given to bare events; defaults to 'feed.jsonl'. */
  readonly source?: string;
  /** Ids of bare events are deterministicId(`${idNamespace}:${line}`); defaults to `jsonl:<file name>`. */
  readonly idNamespace?: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class JsonlFeed implements Feed {
  readonly name: string;

  constructor(private readonly options: JsonlFeedOptions) {
    this.name = `jsonl:${basename(options.path)}`;
  }

  async *events(): AsyncGenerator<Envelope> {
    const o = this.options;
    const onError = o.onError ?? throwOnLineError;
    const namespace = o.idNamespace ?? `jsonl:${basename(o.path)}`;
    const limit = o.maxEvents ?? Infinity;
    const check = new MarketDataCheck(o.rules);
    // Only the allowed types are known to this feed's registry: nothing else can get through.
    const registry = new EventTypeRegistry(domainEventTypes.filter((t) => check.allows(t.type)));
    let lines = 0;
    let emitted = 0;
    if (emitted >= limit) return;
    for await (const { line, text } of readLines(o.path)) {
      if (text.trim() === '') continue;
      lines++;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        onError(new FeedLineError(o.path, line, `malformed-json: ${(e as Error).message}`, text));
        continue;
      }
      const early = isObject(parsed) ? (check.type(parsed.type) ?? check.prices(parsed.data)) : undefined;
      if (early) {
        onError(new FeedLineError(o.path, line, early.reason, text, early.code));
        continue;
      }
      let envelope: Envelope;
      try {
        envelope = registry.validate(this.complete(parsed, `${namespace}:${line}`));
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        onError(new FeedLineError(o.path, line, e.message, text));
        continue;
      }
      const refusal = check.accept(envelope, line);
      if (refusal) {
        onError(new FeedLineError(o.path, line, refusal.reason, text, refusal.code));
        continue;
      }
      yield envelope;
      if (++emitted >= limit) return;
    }
    if (lines === 0) o.onWarning?.(`${o.path}: the file is empty`);
  }

  /** A bare event (no id) gets id, source and correlationId; an ISO ts becomes ms since epoch. */
  private complete(parsed: unknown, idName: string): unknown {
    if (!isObject(parsed) || 'id' in parsed) return parsed;
    const id = deterministicId(idName);
    const ts = typeof parsed.ts === 'string' ? (parseTimestamp(parsed.ts) ?? parsed.ts) : parsed.ts;
    return {
      ...parsed,
      id,
      ts,
      source: parsed.source ?? this.options.source ?? 'feed.jsonl',
      correlationId: parsed.correlationId ?? id,
    };
  }
}
