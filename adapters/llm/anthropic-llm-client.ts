// LlmClient over the Anthropic Messages API (@anthropic-ai/sdk). One request per decision, no SDK
// retries (a late answer is worth nothing to a tick), a hard deadline that aborts the request, a
// per-minute request budget, and every failure mapped to a typed LlmFailure the caller falls back on.
// The API key is read on each request, so a rotated key is used from the next request on.
import Anthropic, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import {
  LlmFailure,
  type LlmClient,
  type LlmDecision,
  type LlmDecisionRequest,
  type LlmFailureKind,
} from '../../runtime/ports/llm.js';
import { parseDecision } from './decision-answer.js';
import { buildDecisionPrompt } from './prompt.js';
import { RequestBudget } from './request-budget.js';

export interface AnthropicLlmClientOptions {
  /** The key, or a getter read before every request (a rotated secret is picked up at once). */
  readonly apiKey: string | (() => string);
  readonly model: string;
  /** Defaults to the SDK's (https://api.anthropic.com). */
  readonly baseURL?: string;
  /** Hard limit on one decision, request and answer included. */
  readonly timeoutMs: number;
  readonly maxTokens?: number;
  readonly maxRequestsPerMinute: number;
  /** Milliseconds clock for the request budget. */
  readonly now?: () => number;
}

export interface LlmClientCounters {
  /** decide() calls. */
  readonly requests: number;
  /** Requests actually sent to the API (a spent budget sends none). */
  readonly apiCalls: number;
  /** Validated decisions returned. */
  readonly ok: number;
  readonly failures: Readonly<Record<LlmFailureKind, number>>;
}

const FAILURE_KINDS: readonly LlmFailureKind[] = ['timeout', 'invalid-answer', 'disallowed-action', 'http-error', 'budget-exhausted', 'unavailable'];

export class AnthropicLlmClient implements LlmClient {
  readonly model: string;
  private readonly keySource: string | (() => string);
  private readonly baseURL: string;
  private readonly timeoutMs: number;
  private readonly maxTokens: number;
  private readonly budget: RequestBudget;
  private sdk: Anthropic | undefined;
  /** The key `sdk` was built with; a different key builds a new SDK client. */
  private sdkKey: string | undefined;
  private readonly inFlight = new Set<AbortController>();
  private closed = false;
  private readonly counts = {
    requests: 0,
    apiCalls: 0,
    ok: 0,
    failures: Object.fromEntries(FAILURE_KINDS.map((k) => [k, 0])) as Record<LlmFailureKind, number>,
  };

  constructor(options: AnthropicLlmClientOptions) {
    this.model = options.model;
    this.keySource = options.apiKey;
    // Explicit, so an ANTHROPIC_BASE_URL in the environment cannot send the key elsewhere.
    this.baseURL = options.baseURL ?? 'https://api.anthropic.com';
    this.timeoutMs = options.timeoutMs;
    this.maxTokens = options.maxTokens ?? 300;
    if (typeof this.model !== 'string' || this.model.trim() === '') throw new TypeError('model must be a non-empty string');
    if (!(Number.isFinite(this.timeoutMs) && this.timeoutMs > 0)) throw new RangeError(`timeoutMs must be a positive number, got ${this.timeoutMs}`);
    if (!(Number.isInteger(this.maxTokens) && this.maxTokens > 0)) throw new RangeError(`maxTokens must be a positive integer, got ${this.maxTokens}`);
    this.budget = new RequestBudget({ maxRequests: options.maxRequestsPerMinute, windowMs: 60_000, now: options.now });
  }

  /** A snapshot of the counters, for metrics. */
  get counters(): LlmClientCounters {
    return { ...this.counts, failures: { ...this.counts.failures } };
  }

  async decide(request: LlmDecisionRequest): Promise<LlmDecision> {
    this.counts.requests++;
    try {
      const decision = await this.ask(request);
      this.counts.ok++;
      return decision;
    } catch (error) {
      const failure = error instanceof LlmFailure ? error : new LlmFailure('unavailable', describe(error));
      this.counts.failures[failure.kind]++;
      throw failure;
    }
  }

  /** Aborts requests in flight (they reject 'unavailable'); later calls reject at once. */
  async close(): Promise<void> {
    this.closed = true;
    for (const controller of this.inFlight) controller.abort();
    this.inFlight.clear();
  }

  private async ask(request: LlmDecisionRequest): Promise<LlmDecision> {
    if (this.closed) throw new LlmFailure('unavailable', 'the LLM client is closed');
    const key = this.readKey();
    if (!this.budget.tryTake()) {
      throw new LlmFailure(
        'budget-exhausted',
        `request budget of ${this.budget.maxRequests} per minute is spent; next request allowed in ${this.budget.retryInMs()} ms`,
      );
    }
    const sdk = this.sdkFor(key);
    const prompt = buildDecisionPrompt(request);
    const controller = new AbortController();
    this.inFlight.add(controller);
    let timer: NodeJS.Timeout | undefined;
    // The SDK honours the signal, but the deadline must hold even if an answer body trickles in.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new LlmFailure('timeout', `no answer from ${this.model} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
    });
    try {
      this.counts.apiCalls++;
      const call = sdk.messages.create(
        {
          model: this.model,
          max_tokens: this.maxTokens,
          system: prompt.system,
          messages: [{ role: 'user', content: prompt.user }],
        },
        { signal: controller.signal },
      );
      const message = await Promise.race([call, deadline]);
      const text = message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');
      if (text.trim() === '') {
        throw new LlmFailure('invalid-answer', `answer has no text (stop_reason ${message.stop_reason ?? 'none'})`);
      }
      return parseDecision(text, request.allowedActions);
    } catch (error) {
      throw this.toFailure(error, key);
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(controller);
    }
  }

  private readKey(): string {
    let key: string;
    try {
      key = typeof this.keySource === 'function' ? this.keySource() : this.keySource;
    } catch (error) {
      throw new LlmFailure('unavailable', `cannot read the API key: ${describe(error)}`);
    }
    if (typeof key !== 'string' || key.trim() === '') throw new LlmFailure('unavailable', 'the API key is empty');
    return key;
  }

  private sdkFor(key: string): Anthropic {
    if (!this.sdk || this.sdkKey !== key) {
      this.sdk = new Anthropic({ apiKey: key, baseURL: this.baseURL, timeout: this.timeoutMs, maxRetries: 0 });
      this.sdkKey = key;
    }
    return this.sdk;
  }

  private toFailure(error: unknown, key: string): LlmFailure {
    if (error instanceof LlmFailure) return error;
    const scrub = (text: string): string => text.split(key).join('[redacted]');
    if (this.closed) return new LlmFailure('unavailable', 'the LLM client was closed during the request');
    // Timeout before connection error: the SDK's timeout error is a kind of connection error.
    if (error instanceof APIConnectionTimeoutError || error instanceof APIUserAbortError) {
      return new LlmFailure('timeout', `no answer from ${this.model} within ${this.timeoutMs} ms`);
    }
    if (error instanceof APIConnectionError) {
      const where = this.sdk?.baseURL ?? 'the Messages API';
      return new LlmFailure('unavailable', scrub(`cannot reach ${where}: ${rootCause(error)}`));
    }
    if (error instanceof APIError && typeof error.status === 'number') {
      const type = error.type ? ` ${error.type}` : '';
      const detail = error.apiMessage ? `: ${error.apiMessage}` : '';
      return new LlmFailure('http-error', scrub(`Messages API answered HTTP ${error.status}${type}${detail}`));
    }
    return new LlmFailure('unavailable', scrub(`Messages API request failed: ${describe(error)}`));
  }
}

/** The innermost cause, e.g. `ECONNREFUSED` under fetch's `fetch failed`. */
function rootCause(error: Error): string {
  let inner: unknown = error;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  const code = (inner as NodeJS.ErrnoException).code;
  return code ? `${code} (${(inner as Error).message})` : describe(inner);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
