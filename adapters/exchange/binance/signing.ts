// Binance HMAC-SHA256 request signing. REST: the signature covers the percent-encoded query string
// concatenated with the body, and is appended as `&signature=`. WebSocket API: the signature covers
// the request params sorted by name, as plain UTF-8 `name=value` pairs (no percent-encoding).
import { createHmac } from 'node:crypto';

export type BinanceParams = Readonly<Record<string, string | number | boolean>>;

/** Hex HMAC-SHA256 of `queryString + body` under the API secret. */
export function signQuery(secret: string, queryString: string, body = ''): string {
  return createHmac('sha256', secret).update(queryString + body, 'utf8').digest('hex');
}

/** `k=v&k=v` in the given order, keys and values percent-encoded (non-ASCII as UTF-8 %XX). */
export function encodeQuery(params: BinanceParams): string {
  return Object.entries(params)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
    .join('&');
}

/** The encoded query with its signature appended: `symbol=...&timestamp=...&signature=<hex>`. */
export function buildSignedQuery(params: BinanceParams, secret: string): string {
  const query = encodeQuery(params);
  return `${query}&signature=${signQuery(secret, query)}`;
}

/** Signature for a WebSocket API request: params sorted by name, joined unencoded. */
export function signWsParams(params: BinanceParams, secret: string): string {
  const payload = Object.keys(params)
    .filter((key) => key !== 'signature')
    .sort()
    .map((key) => `${key}=${String(params[key])}`)
    .join('&');
  return createHmac('sha256', secret).update(payload, 'utf8').digest('hex');
}
