// The entry gate: for every token execution has seen, what the safety checks would let a new order
// do right now (which sides, at the usual entry size), published as `execution.gate` on change. The
// trading actor offers the model only those actions; every real order is still checked in full.
// The order-level parts (rate limit, per-order notional) are left to the real check.
import { EntryGate } from '../events.js';
import type { Desk, Turn } from '../desk.js';
import { GLOBAL_SCOPE } from './protections.js';
import { checkOrder, lossesOf } from './safety-gate.js';
import { marks } from '../state.js';

/**
 * What every token's gate depends on beyond the token itself. When it changes every gate is looked
 * at again; otherwise only the gate of the token this event was about (keeps an event O(positions)).
 */
function accountFingerprint(desk: Desk, t: Turn, equity: number): string {
  const { s } = t;
  const losses = lossesOf(s);
  const limits = desk.settings.lossLimits;
  return JSON.stringify([
    s.safety.killSwitch.active,
    s.safety.exchangeBreaker.status,
    s.safety.storeBreaker.status,
    s.reconcilePending,
    s.safety.protections.locks.filter((l) => l.scope === GLOBAL_SCOPE && l.until > t.now).length,
    limits.daily !== undefined && losses.daily >= limits.daily,
    limits.weekly !== undefined && losses.weekly >= limits.weekly,
    limits.monthly !== undefined && losses.monthly >= limits.monthly,
    equity > 0 ? Math.round(Math.log(equity) / Math.log(1.05)) : 0,
  ]);
}

export function publishEntryGates(desk: Desk, t: Turn, entrySize: (equity: number, price: number) => number, eventToken: string | undefined): void {
  const { s } = t;
  const equity = marks(s).equity;
  const fingerprint = accountFingerprint(desk, t, equity);
  const all = fingerprint !== s.gatesFingerprint;
  s.gatesFingerprint = fingerprint;
  const tokens = all ? Object.keys(s.market) : eventToken !== undefined && s.market[eventToken] ? [eventToken] : [];
  for (const token of tokens) {
    const view = s.market[token]!;
    const size = entrySize(equity, view.price);
    const allowed: ('buy' | 'sell')[] = [];
    const refused: Record<string, string> = {};
    for (const side of ['buy', 'sell'] as const) {
      const held = s.book[token]?.size ?? 0;
      const busy = s.reconcilePending ? 'reconcile-pending' : Object.values(s.orders).some((o) => o.request.token === token) ? 'order-in-flight' : undefined;
      const sameSide = held !== 0 && (held > 0) === (side === 'buy') ? 'already-positioned' : undefined;
      const verdict = size > 0 ? checkOrder(s, { token, side, size, price: view.price, reduceOnly: false }, t.now, desk.settings, desk.limits) : undefined;
      const why = busy ?? sameSide ?? (verdict === undefined ? 'zero-size' : verdict.verdict === 'REJECT' ? verdict.reason : undefined);
      if (why) refused[side] = why;
      else allowed.push(side);
    }
    const gate = { allowed, refused, maxNotional: allowed.length ? size * view.price : 0 };
    // Published when the sides change or the size moves by more than about 5 %, not on every mark.
    const bucket = gate.maxNotional > 0 ? Math.round(Math.log(gate.maxNotional) / Math.log(1.05)) : 0;
    const key = JSON.stringify([gate.allowed, bucket]);
    if (s.gates[token] === key) continue;
    s.gates = { ...s.gates, [token]: key };
    t.emit(EntryGate, gate, { token });
  }
}
