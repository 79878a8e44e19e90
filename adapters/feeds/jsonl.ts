// A JSON-lines file as a feed: each line is a full envelope, or a bare `{ type, ts, token, data }`
// to which the feed adds a deterministic id, its source and correlationId. Every event is validated
// against the domain schemas; a bad line goes to `onError` and the feed carries on.
import { basename } from 'node:path';
import type { Feed } from '../../runtime/ports/feed.js';
import type { Envelope } from '../../runtime/envelope.js';
import { DecodeError, EventTypeRegistry } from '../../runtime/event-types.js';
import { deterministicId } from '../../runtime/ids.js';
import { domainEventTypes } from '../../actors/events.js';
import { clip, FeedLineError, throwOnLineError, type FeedErrorHandler } from './feed-line-error.js';
import { readLines } from './lines.js';
import { parseTimestamp } from './csv.js';

export interface JsonlFeedOptions {
  readonly path: string;
  readonly onError?: FeedErrorHandler;
  readonly maxEvents?: number;
  /** Source given to bare events; defaults to 'feed.jsonl'. */
  readonly source?: string;
  /** Ids of bare events are deterministicId(`${idNamespace}:${line}`); defaults to `jsonl:<file name>`. */
  readonly idNamespace?: string;
  /** Event types accepted; defaults to every domain event type. */
  readonly registry?: EventTypeRegistry;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class JsonlFeed implements Feed {
  readonly name: string;
  private readonly registry: EventTypeRegistry;

  constructor(private readonly options: JsonlFeedOptions) {
    this.name = `jsonl:${basename(options.path)}`;
    this.registry = options.registry ?? new EventTypeRegistry(domainEventTypes);
  }

  async *events(): AsyncGenerator<Envelope> {
    const o = this.options;
    const onError = o.onError ?? throwOnLineError;
    const namespace = o.idNamespace ?? `jsonl:${basename(o.path)}`;
    const limit = o.maxEvents ?? Infinity;
    let emitted = 0;
    if (emitted >= limit) return;
    for await (const { line, text } of readLines(o.path)) {
      if (text.trim() === '') continue;
      let envelope: Envelope;
      try {
        envelope = this.registry.validate(this.complete(JSON.parse(text), `${namespace}:${line}`));
      } catch (e) {
        if (!(e instanceof DecodeError) && !(e instanceof SyntaxError)) throw e;
        const reason = e instanceof SyntaxError ? `malformed-json: ${e.message}` : e.message;
        onError(new FeedLineError(o.path, line, reason, clip(text)));
        continue;
      }
      yield envelope;
      if (++emitted >= limit) return;
    }
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
