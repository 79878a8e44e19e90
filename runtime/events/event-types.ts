// A registry of event types: each type has a home topic and one zod schema for its `data`.
// Decoding a record = JSON -> envelope schema -> the type's schema; any failure is a typed
// DecodeError that the router sends to `<topic>.dlq` with its reason.
import { z } from 'zod';
import { envelopeSchema, type Envelope } from './envelope.js';

export interface EventType<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly topic: string;
  readonly schema: z.ZodType<Data>;
}

export function defineEvent<Type extends string, S extends z.ZodType>(
  type: Type,
  topic: string,
  schema: S,
): EventType<Type, z.output<S>> {
  return { type, topic, schema: schema as unknown as z.ZodType<z.output<S>> };
}

/** The envelope type an EventType describes. */
export type EnvelopeOf<E> = E extends EventType<infer T, infer D> ? Envelope<T, D> : never;

export type DecodeErrorReason = 'malformed-json' | 'invalid-envelope' | 'unknown-type' | 'invalid-data';

export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    readonly reason: DecodeErrorReason,
    readonly detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

export class EventTypeRegistry {
  private readonly types = new Map<string, EventType>();

  constructor(types: Iterable<EventType<string, any>> = []) {
    for (const t of types) this.register(t);
  }

  register(eventType: EventType<string, any>): this {
    const existing = this.types.get(eventType.type);
    if (existing && existing !== eventType) throw new Error(`event type ${eventType.type} is already registered`);
    this.types.set(eventType.type, eventType);
    return this;
  }

  get(type: string): EventType | undefined {
    return this.types.get(type);
  }

  topicOf(type: string): string {
    const t = this.types.get(type);
    if (!t) throw new Error(`unknown event type ${type}`);
    return t.topic;
  }

  all(): EventType[] {
    return [...this.types.values()];
  }

  /** Validates an envelope object whose `data` is still untyped. Throws DecodeError. */
  validate(candidate: unknown): Envelope {
    const env = envelopeSchema.safeParse(candidate);
    if (!env.success) throw new DecodeError('invalid-envelope', describeIssues(env.error));
    const eventType = this.types.get(env.data.type);
    if (!eventType) throw new DecodeError('unknown-type', `no schema registered for type "${env.data.type}"`);
    const data = eventType.schema.safeParse(env.data.data);
    if (!data.success) throw new DecodeError('invalid-data', `${env.data.type}: ${describeIssues(data.error)}`);
    return { ...env.data, data: data.data } as Envelope;
  }

  /**
   * Decodes a record value (UTF-8 JSON). Throws DecodeError. The runtime's consumer groups decode
   * through a SharedDecoder (shared-decoder.ts), so a record the in-process log hands to several
   * groups is decoded once.
   */
  decode(value: Buffer | string): Envelope {
    const text = typeof value === 'string' ? value : value.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new DecodeError('malformed-json', (e as Error).message);
    }
    // PostgreSQL's jsonb cannot hold U+0000; such an event would stall the store writer forever.
    if (text.includes('\\u0000') && containsNul(parsed)) {
      throw new DecodeError('invalid-data', 'a string contains the NUL character (U+0000)');
    }
    return this.validate(parsed);
  }
}

export function encodeEnvelope(envelope: Envelope): Buffer {
  return Buffer.from(JSON.stringify(envelope));
}

function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (value !== null && typeof value === 'object') return Object.entries(value).some(([k, v]) => k.includes('\u0000') || containsNul(v));
  return false;
}
