// Binance REST transport: signs requests (timestamp + recvWindow + HMAC), sends them with fetch under
// a per-request timeout, and sorts every answer into what it means for the caller: done, refused
// (nothing happened), or UNKNOWN (timeout, disconnect, 5xx: the venue may have acted on it). The
// API key and secret never appear in an outcome's reason.
import { RateLimitGate } from './rate-limits.js';
import { buildSignedQuery, encodeQuery, type BinanceParams } from './signing.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface BinanceRestClientOptions {
  readonly baseUrl: string;
  readonly apiKey: () => string;
  readonly apiSecret: () => string;
  /** ms a signed request stays valid at the venue; default 5000, at most 60000. */
  readonly recvWindow?: number;
  /** Per-request timeout in ms; default 10000 (the venue's own backend timeout). */
  readonly timeoutMs?: number;
  readonly now?: () => number;
  readonly gate?: RateLimitGate;
}

export type RestOutcome<T = unknown> =
  | { readonly kind: 'ok'; readonly status: number; readonly body: T }
  /** The venue refused the request (4xx, usually with a Binance error code): nothing happened. */
  | { readonly kind: 'rejected'; readonly status: number; readonly code?: number; readonly reason: string }
  /** Rate limited, by the venue (429, sent) or locally during the back-off (not sent): nothing happened. */
  | { readonly kind: 'throttled'; readonly retryAfterMs: number; readonly sent: boolean; readonly reason: string }
  /** IP banned (418, sent) or refused locally while banned (not sent): nothing happened; stop trading. */
  | { readonly kind: 'halted'; readonly retryAfterMs?: number; readonly sent: boolean; readonly reason: string }
  /** The request never left this process (client closed, connection refused, name not resolved). */
  | { readonly kind: 'not-sent'; readonly reason: string }
  /** Timeout, disconnect or 5xx: execution status UNKNOWN; reconcile, never resend. */
  | { readonly kind: 'unknown'; readonly reason: string };

/** Binance codes that say the request may have been executed whatever the HTTP status. */
const UNKNOWN_EXECUTION_CODES = new Set([-1006, -1007]);
/** Connection errors raised before any byte of the request was written. */
const NEVER_SENT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
const INVALID_TIMESTAMP = -1021;

export class BinanceRestClient {
  readonly gate: RateLimitGate;
  private readonly baseUrl: string;
  private readonly recvWindow: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly closing = new AbortController();
  private offsetMs = 0;

  constructor(private readonly options: BinanceRestClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.recvWindow = options.recvWindow ?? 5000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.gate = options.gate ?? new RateLimitGate(this.now);
    if (!/^https?:\/\//.test(this.baseUrl)) throw new TypeError(`baseUrl must be an http(s) URL, got ${JSON.stringify(options.baseUrl)}`);
    if (!(this.recvWindow > 0 && this.recvWindow <= 60_000)) throw new RangeError(`recvWindow must be in (0, 60000] ms, got ${this.recvWindow}`);
    if (!(Number.isFinite(this.timeoutMs) && this.timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${this.timeoutMs}`);
  }

  /** Local clock minus venue clock, learnt from GET /api/v3/time after a -1021. */
  get clockOffsetMs(): number {
    return this.offsetMs;
  }

  /** Now on the venue's clock, as signed requests must carry it. */
  venueTime(): number {
    return Math.round(this.now() + this.offsetMs);
  }

  /** A signed request (TRADE / USER_DATA): timestamp and recvWindow are added, then the signature. */
  async signed<T>(method: HttpMethod, path: string, params: BinanceParams = {}): Promise<RestOutcome<T>> {
    const first = await this.send<T>(method, path, params, true);
    // A -1021 was refused before execution, so it is safe to resend once on a corrected clock.
    if (first.kind === 'rejected' && first.code === INVALID_TIMESTAMP && (await this.syncTime())) {
      return this.send<T>(method, path, params, true);
    }
    return first;
  }

  /** A public request (market data, server time). */
  async public<T>(method: HttpMethod, path: string, params: BinanceParams = {}): Promise<RestOutcome<T>> {
    return this.send<T>(method, path, params, false);
  }

  /** Learns the venue clock offset from GET /api/v3/time; false when the venue did not answer. */
  async syncTime(): Promise<boolean> {
    const sentAt = this.now();
    const answer = await this.public<{ serverTime?: unknown }>('GET', '/api/v3/time');
    const receivedAt = this.now();
    if (answer.kind !== 'ok' || typeof answer.body.serverTime !== 'number') return false;
    this.offsetMs = answer.body.serverTime - (sentAt + receivedAt) / 2;
    return true;
  }

  /** Aborts requests in flight (their outcome is unknown) and refuses new ones. */
  close(): void {
    this.closing.abort();
  }

  private async send<T>(method: HttpMethod, path: string, params: BinanceParams, signed: boolean): Promise<RestOutcome<T>> {
    const label = `${method} ${path}`;
    if (this.closing.signal.aborted) return { kind: 'not-sent', reason: `${label}: client closed; nothing sent` };
    const gate = this.gate.check();
    if (!gate.open) {
      const reason = `${label}: ${gate.reason}; nothing sent`;
      return gate.halted
        ? { kind: 'halted', sent: false, reason, ...(gate.retryAfterMs === undefined ? {} : { retryAfterMs: gate.retryAfterMs }) }
        : { kind: 'throttled', sent: false, retryAfterMs: gate.retryAfterMs, reason };
    }

    let url: string;
    const headers: Record<string, string> = {};
    try {
      const query = signed
        ? buildSignedQuery({ ...params, recvWindow: this.recvWindow, timestamp: this.venueTime() }, this.options.apiSecret())
        : encodeQuery(params);
      url = query === '' ? `${this.baseUrl}${path}` : `${this.baseUrl}${path}?${query}`;
      if (signed) headers['X-MBX-APIKEY'] = this.options.apiKey();
    } catch (error) {
      return { kind: 'not-sent', reason: this.redact(`${label}: could not sign the request (${describe(error)}); nothing sent`) };
    }

    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { method, headers, signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.closing.signal]) });
    } catch (error) {
      return this.transportFailure(label, error, false);
    }
    this.gate.observe(response.status, response.headers);
    try {
      text = await response.text();
    } catch (error) {
      return this.transportFailure(label, error, true);
    }
    return this.classify<T>(label, response.status, text);
  }

  private classify<T>(label: string, status: number, text: string): RestOutcome<T> {
    const body = parseJson(text);
    const error = venueError(body);
    const detail = error ? ` ${error.code} ${error.msg}` : '';
    if (status === 429) {
      const gate = this.gate.check();
      const retryAfterMs = gate.open ? 0 : gate.retryAfterMs ?? 0;
      return { kind: 'throttled', sent: true, retryAfterMs, reason: this.redact(`${label}: rate limited by Binance (429)${detail}`) };
    }
    if (status === 418) {
      const gate = this.gate.check();
      const retryAfterMs = gate.open ? undefined : gate.retryAfterMs;
      return {
        kind: 'halted',
        sent: true,
        reason: this.redact(`${label}: IP banned by Binance (418)${detail}`),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      };
    }
    if (status >= 500 || (error && UNKNOWN_EXECUTION_CODES.has(error.code))) {
      return { kind: 'unknown', reason: this.redact(`${label}: HTTP ${status}${detail}; execution status UNKNOWN`) };
    }
    if (status >= 400) {
      const reason = this.redact(`${label}: HTTP ${status}${detail || ` ${text.slice(0, 200)}`}`);
      return error ? { kind: 'rejected', status, code: error.code, reason } : { kind: 'rejected', status, reason };
    }
    if (body === undefined) return { kind: 'unknown', reason: `${label}: HTTP ${status} with an unreadable body; execution status UNKNOWN` };
    return { kind: 'ok', status, body: body as T };
  }

  private transportFailure(label: string, error: unknown, answered: boolean): RestOutcome<never> {
    const name = error instanceof Error ? error.name : '';
    if (name === 'TimeoutError') {
      return { kind: 'unknown', reason: `${label}: no answer within ${this.timeoutMs} ms; execution status UNKNOWN` };
    }
    if (this.closing.signal.aborted) {
      return { kind: 'unknown', reason: `${label}: client closed while waiting for the answer; execution status UNKNOWN` };
    }
    const code = causeCode(error);
    if (!answered && code !== undefined && NEVER_SENT_ERRORS.has(code)) {
      return { kind: 'not-sent', reason: this.redact(`${label}: could not connect (${code}); nothing sent`) };
    }
    return { kind: 'unknown', reason: this.redact(`${label}: connection failed (${describe(error)}); execution status UNKNOWN`) };
  }

  /** Belt and braces: no outcome may carry the credentials, whatever a lower layer put in a message. */
  private redact(text: string): string {
    let out = text;
    for (const secret of [safe(this.options.apiKey), safe(this.options.apiSecret)]) {
      if (secret.length >= 4) out = out.split(secret).join('[redacted]');
    }
    return out;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function venueError(body: unknown): { code: number; msg: string } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { code, msg } = body as { code?: unknown; msg?: unknown };
  return typeof code === 'number' && code < 0 ? { code, msg: typeof msg === 'string' ? msg : '' } : undefined;
}

/** The socket-level error code under fetch's TypeError('fetch failed'). */
function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('E')) return code;
    const nested = (current as { errors?: unknown }).errors;
    if (Array.isArray(nested) && nested.length > 0) {
      const codes = nested.map(causeCode);
      return codes.every((c) => c === codes[0]) ? codes[0] : undefined;
    }
    current = current.cause;
  }
  return undefined;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

function safe(get: () => string): string {
  try {
    return get();
  } catch {
    return '';
  }
}
