// Protections: time-limited trading locks that follow bad outcomes. A stop-out puts its token on a
// cooldown; repeated stop-outs of one token trip the stop-loss guard; a drawdown from the recent
// equity peak beyond a maximum locks everything. Pre-trade refuses new entries under an active
// lock for the order's token or a global one.

export type LockReason = 'cooldown' | 'stop-loss-guard' | 'max-drawdown';
/** 'global' or a token. */
export type LockScope = string;
export const GLOBAL_SCOPE = 'global';

export interface ProtectionLock {
  readonly scope: LockScope;
  readonly reason: LockReason;
  readonly since: number;
  /** The lock holds while now < until. */
  readonly until: number;
  readonly detail: string;
}

export interface EquitySample {
  readonly ts: number;
  readonly equity: number;
}

export interface ProtectionsState {
  readonly locks: readonly ProtectionLock[];
  /** Per token, stop-out times still inside the stop-loss guard window, ascending. */
  readonly stopOuts: Readonly<Record<string, readonly number[]>>;
  /**
   * Equity samples inside the drawdown lookback that may still become its peak: an earlier sample
   * no higher than a later one is dropped, so the list stays short (a falling staircase).
   */
  readonly equityPeaks: readonly EquitySample[];
}

/** Each protection is off when its section is absent. */
export interface ProtectionsConfig {
  readonly cooldown?: { readonly cooldownMs: number };
  readonly stopLossGuard?: {
    /** Stop-outs of one token within windowMs that trip the guard. */
    readonly maxStopOuts: number;
    readonly windowMs: number;
    readonly lockMs: number;
    /** Lock only the token (default) or every token. */
    readonly scope?: 'token' | 'global';
  };
  readonly maxDrawdown?: {
    /** Percent below the lookback peak, e.g. 10 for 10 %. */
    readonly maxDrawdownPct: number;
    readonly lookbackMs: number;
    readonly lockMs: number;
  };
}

export interface ProtectionsUpdate {
  readonly state: ProtectionsState;
  /** Locks this call added or lengthened. */
  readonly locks: readonly ProtectionLock[];
}

export function initialProtections(): ProtectionsState {
  return { locks: [], stopOuts: {}, equityPeaks: [] };
}

export function recordStopOut(state: ProtectionsState, token: string, now: number, config: ProtectionsConfig): ProtectionsUpdate {
  assertConfig(config);
  assertTime(now);
  if (typeof token !== 'string' || token === '' || token === GLOBAL_SCOPE) {
    throw new RangeError(`stop-out token must be a non-empty string other than '${GLOBAL_SCOPE}', got '${String(token)}'`);
  }
  let locks = state.locks;
  const added: ProtectionLock[] = [];
  const lock = (l: ProtectionLock): void => {
    const next = upsertLock(locks, l);
    if (next !== locks) added.push(l);
    locks = next;
  };

  if (config.cooldown) {
    lock({ scope: token, reason: 'cooldown', since: now, until: now + config.cooldown.cooldownMs, detail: `cooldown of ${config.cooldown.cooldownMs} ms after a stop-out of ${token}` });
  }

  let stopOuts = state.stopOuts;
  const guard = config.stopLossGuard;
  if (guard) {
    const recent = insertSorted((state.stopOuts[token] ?? []).filter((t) => t > now - guard.windowMs), now);
    if (recent.length >= guard.maxStopOuts) {
      const scope = guard.scope === 'global' ? GLOBAL_SCOPE : token;
      lock({
        scope,
        reason: 'stop-loss-guard',
        since: now,
        until: now + guard.lockMs,
        detail: `${recent.length} stop-outs of ${token} within ${guard.windowMs} ms reach ${guard.maxStopOuts}: ${scope} locked for ${guard.lockMs} ms`,
      });
      // The lock consumes these stop-outs, so the guard does not trip again the moment it lifts.
      stopOuts = withoutKey(stopOuts, token);
    } else {
      stopOuts = { ...stopOuts, [token]: recent };
    }
  }
  return { state: { ...state, locks, stopOuts }, locks: added };
}

/** Tracks the lookback peak and locks everything when the drawdown from it reaches maxDrawdownPct. */
export function recordEquity(state: ProtectionsState, equity: number, now: number, config: ProtectionsConfig): ProtectionsUpdate {
  assertConfig(config);
  assertTime(now);
  if (!Number.isFinite(equity)) throw new RangeError(`equity must be a finite number, got ${equity}`);
  const dd = config.maxDrawdown;
  if (!dd) return { state, locks: [] };

  // An earlier sample no higher than the new one can never again be the peak: it leaves the window first.
  const kept = state.equityPeaks.filter((s) => s.ts > now - dd.lookbackMs && (s.ts > now || s.equity > equity));
  const equityPeaks = [...kept.filter((s) => s.ts <= now), { ts: now, equity }, ...kept.filter((s) => s.ts > now)];
  const peak = Math.max(...equityPeaks.map((s) => s.equity));
  const next: ProtectionsState = { ...state, equityPeaks };
  if (!(peak > 0)) return { state: next, locks: [] };

  const drawdownPct = ((peak - equity) / peak) * 100;
  if (drawdownPct < dd.maxDrawdownPct) return { state: next, locks: [] };
  // Already locked for drawdown: the running lock stands; it is re-evaluated once it lifts.
  if (state.locks.some((l) => l.scope === GLOBAL_SCOPE && l.reason === 'max-drawdown' && now < l.until)) return { state: next, locks: [] };
  const lock: ProtectionLock = {
    scope: GLOBAL_SCOPE,
    reason: 'max-drawdown',
    since: now,
    until: now + dd.lockMs,
    detail: `drawdown ${drawdownPct.toFixed(2)} % from the ${dd.lookbackMs} ms peak ${peak} to ${equity} reaches ${dd.maxDrawdownPct} %: all tokens locked for ${dd.lockMs} ms`,
  };
  return { state: { ...next, locks: upsertLock(state.locks, lock) }, locks: [lock] };
}

/** Locks holding at `now` for this token: its own and the global ones. */
export function activeLocks(state: ProtectionsState, token: string, now: number): ProtectionLock[] {
  return state.locks.filter((l) => now < l.until && (l.scope === GLOBAL_SCOPE || l.scope === token));
}

export function pruneExpired(state: ProtectionsState, now: number): ProtectionsState {
  const locks = state.locks.filter((l) => now < l.until);
  return locks.length === state.locks.length ? state : { ...state, locks };
}

/** One lock per (scope, reason): a new lock replaces the old one only if it lasts longer. Returns the same array when nothing changed. */
function upsertLock(locks: readonly ProtectionLock[], lock: ProtectionLock): readonly ProtectionLock[] {
  const i = locks.findIndex((l) => l.scope === lock.scope && l.reason === lock.reason);
  if (i < 0) return [...locks, lock];
  if (locks[i]!.until >= lock.until) return locks;
  return [...locks.slice(0, i), lock, ...locks.slice(i + 1)];
}

function insertSorted(times: readonly number[], t: number): number[] {
  let i = times.length;
  while (i > 0 && times[i - 1]! > t) i -= 1;
  return [...times.slice(0, i), t, ...times.slice(i)];
}

function withoutKey<T>(record: Readonly<Record<string, T>>, key: string): Record<string, T> {
  const { [key]: _dropped, ...rest } = record;
  return rest;
}

function assertConfig(config: ProtectionsConfig): void {
  const positive = (what: string, x: number): void => {
    if (!(Number.isFinite(x) && x > 0)) throw new RangeError(`protections ${what} must be a positive number, got ${x}`);
  };
  if (config.cooldown) positive('cooldown.cooldownMs', config.cooldown.cooldownMs);
  if (config.stopLossGuard) {
    const g = config.stopLossGuard;
    if (!(Number.isInteger(g.maxStopOuts) && g.maxStopOuts > 0)) {
      throw new RangeError(`protections stopLossGuard.maxStopOuts must be a positive integer, got ${g.maxStopOuts}`);
    }
    positive('stopLossGuard.windowMs', g.windowMs);
    positive('stopLossGuard.lockMs', g.lockMs);
  }
  if (config.maxDrawdown) {
    const d = config.maxDrawdown;
    if (!(Number.isFinite(d.maxDrawdownPct) && d.maxDrawdownPct > 0 && d.maxDrawdownPct <= 100)) {
      throw new RangeError(`protections maxDrawdown.maxDrawdownPct must be in (0, 100], got ${d.maxDrawdownPct}`);
    }
    positive('maxDrawdown.lookbackMs', d.lookbackMs);
    positive('maxDrawdown.lockMs', d.lockMs);
  }
}

function assertTime(now: number): void {
  if (!Number.isFinite(now)) throw new RangeError(`time must be a finite ms timestamp, got ${now}`);
}
