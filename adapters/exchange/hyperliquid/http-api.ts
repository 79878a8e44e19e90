// Hyperliquid's two HTTP endpoints, POST /exchange and POST /info, with a timeout per request. Every
// failure is classified by what it means for an order: unresolved (no answer: timeout, disconnect,
// 5xx, unreadable reply; the request may have taken effect) or rejected (4xx or {"status":"err"}:
// the venue refused it, nothing happened).

/** The request may or may not have reached the venue and taken effect. */
export class HyperliquidUnresolvedError extends Error {
  override readonly name = 'HyperliquidUnresolvedError';
  constructor(
    message: string,
    readonly httpStatus?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The venue answered and refused the request. */
export class HyperliquidRejectedError extends Error {
  override readonly name = 'HyperliquidRejectedError';
  constructor(
    message: string,
    readonly httpStatus: number,
    /** 429 with Retry-After: how long the venue asks us to wait. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface HyperliquidHttpApiOptions {
  readonly baseUrl: string;
  readonly timeoutMs: number;
}

/** Retry-After is delta-seconds or an HTTP date. */
function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'timed out';
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}

export class HyperliquidHttpApi {
  private readonly baseUrl: string;

  constructor(private readonly options: HyperliquidHttpApiOptions) {
    if (!(Number.isFinite(options.timeoutMs) && options.timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${options.timeoutMs}`);
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  /** A signed action; resolves with the `{"status":"ok",...}` body. */
  exchange(body: unknown): Promise<unknown> {
    return this.post('/exchange', body);
  }

  info(body: unknown): Promise<unknown> {
    return this.post('/info', body);
  }

  private async post(path: string, body: unknown): Promise<unknown> {
    const where = `POST ${path}`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.baseUrl + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new HyperliquidUnresolvedError(`${where}: ${describe(error)}`, undefined, { cause: error });
    }

    if (response.status >= 500) throw new HyperliquidUnresolvedError(`${where}: HTTP ${response.status} ${text.slice(0, 200)}`.trim(), response.status);
    if (response.status >= 400) {
      const wait = response.status === 429 ? retryAfterMs(response.headers.get('retry-after'), Date.now()) : undefined;
      throw new HyperliquidRejectedError(`${where}: HTTP ${response.status} ${text.slice(0, 200)}`.trim(), response.status, wait);
    }

    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      // A 2xx we cannot read: the venue may well have acted on it.
      throw new HyperliquidUnresolvedError(`${where}: unreadable reply ${JSON.stringify(text.slice(0, 200))}`, response.status, { cause: error });
    }
    if (typeof parsed === 'object' && parsed !== null && (parsed as { status?: unknown }).status === 'err') {
      const reason = (parsed as { response?: unknown }).response;
      throw new HyperliquidRejectedError(`${where}: ${typeof reason === 'string' ? reason : JSON.stringify(reason)}`, response.status);
    }
    return parsed;
  }
}
