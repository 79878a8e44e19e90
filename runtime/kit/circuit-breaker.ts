// Circuit breaker for one dependency (an exchange, the LLM, the store): after failureThreshold
// failures within windowMs it opens and refuses requests for openMs, then lets exactly one probe
// through (half-open); the probe's success closes it, its failure opens it again. Every status
// change is returned as a transition so the caller can audit it.

export type BreakerStatus = 'closed' | 'open' | 'half-open';

export interface BreakerState {
  readonly status: BreakerStatus;
  /** Failure times inside the window, ascending; at most failureThreshold of them are kept. */
  readonly failures: readonly number[];
  readonly openedAt?: number;
  readonly probeInFlight: boolean;
  /** When the half-open probe was let through. */
  readonly probeStartedAt?: number;
}

export interface BreakerConfig {
  readonly failureThreshold: number;
  readonly windowMs: number;
  readonly openMs: number;
}

export type BreakerTransitionReason = 'failure-threshold' | 'open-timeout-elapsed' | 'probe-succeeded' | 'probe-failed';

export interface BreakerTransition {
  readonly from: BreakerStatus;
  readonly to: BreakerStatus;
  readonly reason: BreakerTransitionReason;
  readonly detail: string;
}

export type BreakerAllowReason = 'closed' | 'probe' | 'open' | 'probe-in-flight';

export interface BreakerDecision {
  readonly allowed: boolean;
  readonly reason: BreakerAllowReason;
  readonly detail: string;
  /** 0 when allowed; otherwise the earliest time from now a request may be let through. */
  readonly retryAfterMs: number;
  readonly state: BreakerState;
  readonly transition?: BreakerTransition;
}

export interface BreakerUpdate {
  readonly state: BreakerState;
  readonly transition?: BreakerTransition;
}

export function initialBreakerState(): BreakerState {
  return { status: 'closed', failures: [], probeInFlight: false };
}

/**
 * May a request go to the dependency now? When the answer is a half-open probe the returned state
 * marks it in flight, so call this only right before sending, and report the result with
 * recordSuccess / recordFailure. Use breakerPeek to ask without claiming the probe.
 * A probe that has not reported after openMs is presumed lost and the next request becomes the probe,
 * so a crash between asking and reporting cannot hold the breaker half-open forever.
 */
export function breakerAllows(state: BreakerState, now: number, config: BreakerConfig): BreakerDecision {
  assertConfig(config);
  assertTime(now);
  switch (state.status) {
    case 'closed':
      return {
        allowed: true,
        reason: 'closed',
        detail: 'breaker closed',
        retryAfterMs: 0,
        state: { ...state, failures: recent(state.failures, now, config.windowMs) },
      };
    case 'open': {
      const openedAt = state.openedAt ?? now;
      const waited = now - openedAt;
      if (waited < config.openMs) {
        const retryAfterMs = config.openMs - waited;
        return { allowed: false, reason: 'open', detail: `breaker open since ${openedAt}; next probe in ${retryAfterMs} ms`, retryAfterMs, state };
      }
      const transition: BreakerTransition = {
        from: 'open',
        to: 'half-open',
        reason: 'open-timeout-elapsed',
        detail: `open for ${waited} ms (>= ${config.openMs} ms): letting one probe through`,
      };
      return {
        allowed: true,
        reason: 'probe',
        detail: 'half-open: this request is the probe',
        retryAfterMs: 0,
        state: { ...state, status: 'half-open', probeInFlight: true, probeStartedAt: now },
        transition,
      };
    }
    case 'half-open': {
      const probeAge = now - (state.probeStartedAt ?? now);
      if (state.probeInFlight && probeAge < config.openMs) {
        const retryAfterMs = config.openMs - probeAge;
        return { allowed: false, reason: 'probe-in-flight', detail: 'half-open: a probe is already in flight', retryAfterMs, state };
      }
      const detail = state.probeInFlight
        ? `half-open: the previous probe has not reported for ${probeAge} ms; this request is the new probe`
        : 'half-open: this request is the probe';
      return { allowed: true, reason: 'probe', detail, retryAfterMs: 0, state: { ...state, probeInFlight: true, probeStartedAt: now } };
    }
  }
}

/** What breakerAllows would answer, without claiming the half-open probe or changing anything. */
export function breakerPeek(state: BreakerState, now: number, config: BreakerConfig): Omit<BreakerDecision, 'state' | 'transition'> {
  const { allowed, reason, detail, retryAfterMs } = breakerAllows(state, now, config);
  return { allowed, reason, detail, retryAfterMs };
}

export function recordSuccess(state: BreakerState, now: number): BreakerUpdate {
  assertTime(now);
  if (state.status !== 'half-open') return { state };
  const transition: BreakerTransition = { from: 'half-open', to: 'closed', reason: 'probe-succeeded', detail: 'the probe succeeded' };
  return { state: initialBreakerState(), transition };
}

export function recordFailure(state: BreakerState, now: number, config: BreakerConfig): BreakerUpdate {
  assertConfig(config);
  assertTime(now);
  const failures = keepLast(insertSorted(recent(state.failures, now, config.windowMs), now), config.failureThreshold);
  switch (state.status) {
    case 'closed': {
      if (failures.length < config.failureThreshold) return { state: { ...state, failures } };
      const transition: BreakerTransition = {
        from: 'closed',
        to: 'open',
        reason: 'failure-threshold',
        detail: `${failures.length} failures within ${config.windowMs} ms reach the threshold ${config.failureThreshold}`,
      };
      return { state: { status: 'open', failures, openedAt: now, probeInFlight: false }, transition };
    }
    case 'half-open': {
      const transition: BreakerTransition = { from: 'half-open', to: 'open', reason: 'probe-failed', detail: 'the probe failed: open again' };
      return { state: { status: 'open', failures, openedAt: now, probeInFlight: false }, transition };
    }
    case 'open':
      // A late answer to a request sent before the breaker opened: it does not extend the open time.
      return { state: { ...state, failures } };
  }
}

function recent(failures: readonly number[], now: number, windowMs: number): readonly number[] {
  const kept = failures.filter((t) => t > now - windowMs);
  return kept.length === failures.length ? failures : kept;
}

function insertSorted(times: readonly number[], t: number): number[] {
  let i = times.length;
  while (i > 0 && times[i - 1]! > t) i -= 1;
  return [...times.slice(0, i), t, ...times.slice(i)];
}

function keepLast(times: number[], n: number): number[] {
  return times.length > n ? times.slice(times.length - n) : times;
}

function assertConfig(config: BreakerConfig): void {
  if (!(Number.isInteger(config.failureThreshold) && config.failureThreshold > 0)) {
    throw new RangeError(`breaker failureThreshold must be a positive integer, got ${config.failureThreshold}`);
  }
  if (!(Number.isFinite(config.windowMs) && config.windowMs > 0)) throw new RangeError(`breaker windowMs must be a positive number, got ${config.windowMs}`);
  if (!(Number.isFinite(config.openMs) && config.openMs > 0)) throw new RangeError(`breaker openMs must be a positive number, got ${config.openMs}`);
}

function assertTime(now: number): void {
  if (!Number.isFinite(now)) throw new RangeError(`time must be a finite ms timestamp, got ${now}`);
}
