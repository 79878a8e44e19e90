// Deterministic client order ids: the same signal and purpose always give the same id, so a
// restarted or redelivered execution can never submit a second order for one signal.
// 'rg-' + 32 hex chars of sha256 = 35 chars, inside Binance's 36-char [A-Za-z0-9-] limit.
import { createHash } from 'node:crypto';

export function clientOrderId(signalId: string, purpose: string = 'entry'): string {
  // JSON framing keeps ('a:b', 'c') and ('a', 'b:c') apart.
  const digest = createHash('sha256').update(JSON.stringify([signalId, purpose])).digest('hex');
  return `rg-${digest.slice(0, 32)}`;
}
