// An LlmClient that answers from recorded `llm.decision` events, for backtests and replays: each
// requestId gets the decision that was recorded for it (or the same failure kind), with no network,
// so a rerun of a recorded log makes the same decisions. An unknown id is 'unavailable', which the
// trading actor treats like any failed request (the rule-based fallback).
import { LlmDecisionRecorded, type LlmDecisionRecord } from '../../actors/trading/events.js';
import type { Envelope } from '../../runtime/events/envelope.js';
import type { EventStore } from '../../runtime/ports/event-store.js';
import { envelopeSchema } from '../../runtime/events/envelope.js';
import { DecodeError } from '../../runtime/events/event-types.js';
import { LlmFailure, type LlmClient, type LlmDecision, type LlmDecisionRequest } from '../../runtime/ports/llm.js';
import { clip, FeedLineError } from '../shared/line-error.js';
import { readLines } from '../shared/lines.js';

export interface RecordedLlmClientOptions {
  /** Defaults to the model of the first record, or 'recorded'. */
  readonly model?: string;
}

export class RecordedLlmClient implements LlmClient {
  readonly model: string;
  private readonly answers = new Map<string, LlmDecisionRecord>();
  private closed = false;

  /**
   * From envelopes (a log's events, in log order): `llm.decision` ones are validated (DecodeError
   * when invalid), others skipped. When a request id was recorded twice the first record wins: that
   * is the answer the live actor applied; a later one was ignored.
   */
  constructor(envelopes: Iterable<Envelope>, options: RecordedLlmClientOptions = {}) {
    for (const envelope of envelopes) {
      const record = recordOf(envelope);
      if (record && !this.answers.has(record.requestId)) this.answers.set(record.requestId, record);
    }
    this.model = options.model ?? this.answers.values().next().value?.model ?? 'recorded';
  }

  /** From a JSON-lines file of envelopes (e.g. an export of the llm.decisions topic); a bad line throws FeedLineError. */
  static async fromJsonl(path: string, options: RecordedLlmClientOptions = {}): Promise<RecordedLlmClient> {
    const envelopes: Envelope[] = [];
    for await (const { line, text } of readLines(path)) {
      if (text.trim() === '') continue;
      const bad = (reason: string): FeedLineError => new FeedLineError(path, line, reason, clip(text));
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch (error) {
        throw bad(`not JSON: ${(error as Error).message}`);
      }
      const envelope = envelopeSchema.safeParse(raw);
      if (!envelope.success) throw bad(`not an event envelope: ${describeIssues(envelope.error.issues)}`);
      try {
        recordOf(envelope.data as Envelope);
      } catch (error) {
        throw bad((error as Error).message);
      }
      envelopes.push(envelope.data as Envelope);
    }
    return new RecordedLlmClient(envelopes, options);
  }

  /** From the `llm.decision` events an event store holds (a live run's recorded answers). */
  static async fromStore(store: EventStore, options: RecordedLlmClientOptions = {}): Promise<RecordedLlmClient> {
    const envelopes: Envelope[] = [];
    for await (const event of store.replay({ types: [LlmDecisionRecorded.type], order: 'offset' })) envelopes.push(event);
    return new RecordedLlmClient(envelopes, options);
  }

  /** Recorded request ids. */
  get size(): number {
    return this.answers.size;
  }

  has(requestId: string): boolean {
    return this.answers.has(requestId);
  }

  async decide(request: LlmDecisionRequest): Promise<LlmDecision> {
    if (this.closed) throw new LlmFailure('unavailable', 'the recorded LLM client is closed');
    const record = this.answers.get(request.requestId);
    if (!record) throw new LlmFailure('unavailable', `no recorded answer for ${request.requestId}`);
    if (record.outcome !== 'ok') throw new LlmFailure(record.outcome, record.failure);
    return { ...record.decision };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** The record an `llm.decision` envelope holds (DecodeError when invalid); undefined for other types. */
function recordOf(envelope: Envelope): LlmDecisionRecord | undefined {
  if (envelope.type !== LlmDecisionRecorded.type) return undefined;
  const parsed = LlmDecisionRecorded.schema.safeParse(envelope.data);
  if (!parsed.success) throw new DecodeError('invalid-data', `${LlmDecisionRecorded.type} ${envelope.id}: ${describeIssues(parsed.error.issues)}`);
  return parsed.data;
}

function describeIssues(issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[]): string {
  return issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
}
