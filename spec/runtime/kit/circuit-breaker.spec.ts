import { expect } from 'chai';
import {
  breakerAllows,
  breakerPeek,
  initialBreakerState,
  recordFailure,
  recordSuccess,
  type BreakerConfig,
  type BreakerState,
} from '../../../runtime/kit/circuit-breaker.js';

const CONFIG: BreakerConfig = { failureThreshold: 3, windowMs: 10_000, openMs: 5000 };

function failedAt(state: BreakerState, ...times: number[]): BreakerState {
  return times.reduce((s, t) => recordFailure(s, t, CONFIG).state, state);
}

/** A breaker opened at t=1000 by failures at 0, 500, 1000. */
const opened = (): BreakerState => failedAt(initialBreakerState(), 0, 500, 1000);

describe('circuit breaker', () => {
  it('starts closed and lets requests through', () => {
    const d = breakerAllows(initialBreakerState(), 0, CONFIG);
    expect(d).to.include({ allowed: true, reason: 'closed', retryAfterMs: 0 });
    expect(d.transition).to.equal(undefined);
  });

  it('stays closed below the failure threshold', () => {
    const u = recordFailure(failedAt(initialBreakerState(), 0), 500, CONFIG);
    expect(u.state).to.deep.equal({ status: 'closed', failures: [0, 500], probeInFlight: false });
    expect(u.transition).to.equal(undefined);
  });

  it('opens on the failure that reaches the threshold within the window, and reports the transition', () => {
    const u = recordFailure(failedAt(initialBreakerState(), 0, 500), 1000, CONFIG);
    expect(u.state).to.deep.equal({ status: 'open', failures: [0, 500, 1000], openedAt: 1000, probeInFlight: false });
    expect(u.transition).to.include({ from: 'closed', to: 'open', reason: 'failure-threshold' });
    expect(u.transition!.detail).to.equal('3 failures within 10000 ms reach the threshold 3');
  });

  it('forgets failures that left the window (a failure exactly windowMs old is gone)', () => {
    // failures at 0 and 500; at 10000 the one at 0 is exactly windowMs old
    const u = recordFailure(failedAt(initialBreakerState(), 0, 500), 10_000, CONFIG);
    expect(u.state).to.deep.equal({ status: 'closed', failures: [500, 10_000], probeInFlight: false });
    const v = recordFailure(failedAt(initialBreakerState(), 0, 500), 9999, CONFIG);
    expect(v.state.status).to.equal('open');
  });

  it('keeps at most failureThreshold failure times', () => {
    const many = failedAt(initialBreakerState(), 1, 2, 3, 4, 5, 6);
    expect(many.failures).to.deep.equal([4, 5, 6]);
  });

  it('refuses requests while open and says how long until the probe', () => {
    const d = breakerAllows(opened(), 3000, CONFIG);
    expect(d).to.include({ allowed: false, reason: 'open', retryAfterMs: 3000 });
    expect(d.state).to.deep.equal(opened());
    expect(d.transition).to.equal(undefined);
    expect(breakerAllows(opened(), 5999, CONFIG)).to.include({ allowed: false, retryAfterMs: 1 });
  });

  it('turns half-open once openMs has passed and lets exactly one probe through', () => {
    const first = breakerAllows(opened(), 6000, CONFIG);
    expect(first).to.include({ allowed: true, reason: 'probe' });
    expect(first.transition).to.include({ from: 'open', to: 'half-open', reason: 'open-timeout-elapsed' });
    expect(first.state).to.include({ status: 'half-open', probeInFlight: true, probeStartedAt: 6000 });

    const second = breakerAllows(first.state, 6001, CONFIG);
    expect(second).to.include({ allowed: false, reason: 'probe-in-flight', retryAfterMs: 4999 });
    expect(second.transition).to.equal(undefined);
  });

  it('closes when the probe succeeds, with a clean slate', () => {
    const probing = breakerAllows(opened(), 6000, CONFIG).state;
    const u = recordSuccess(probing, 6100);
    expect(u.state).to.deep.equal({ status: 'closed', failures: [], probeInFlight: false });
    expect(u.transition).to.include({ from: 'half-open', to: 'closed', reason: 'probe-succeeded' });
    expect(breakerAllows(u.state, 6101, CONFIG).allowed).to.equal(true);
  });

  it('re-opens with a fresh openedAt when the probe fails', () => {
    const probing = breakerAllows(opened(), 6000, CONFIG).state;
    const u = recordFailure(probing, 6200, CONFIG);
    expect(u.state).to.include({ status: 'open', openedAt: 6200, probeInFlight: false });
    expect(u.transition).to.include({ from: 'half-open', to: 'open', reason: 'probe-failed' });
    expect(breakerAllows(u.state, 11_199, CONFIG)).to.include({ allowed: false, retryAfterMs: 1 });
    expect(breakerAllows(u.state, 11_200, CONFIG)).to.include({ allowed: true, reason: 'probe' });
  });

  it('lets a new probe through when the previous one never reported within openMs', () => {
    const probing = breakerAllows(opened(), 6000, CONFIG).state;
    expect(breakerAllows(probing, 10_999, CONFIG).allowed).to.equal(false);
    const d = breakerAllows(probing, 11_000, CONFIG);
    expect(d).to.include({ allowed: true, reason: 'probe' });
    expect(d.state).to.include({ status: 'half-open', probeInFlight: true, probeStartedAt: 11_000 });
    expect(d.transition).to.equal(undefined);
  });

  it('ignores a late success or failure while open: the open time is not changed', () => {
    const s = opened();
    const ok = recordSuccess(s, 2000);
    expect(ok.state).to.equal(s);
    expect(ok.transition).to.equal(undefined);
    const ko = recordFailure(s, 2000, CONFIG);
    expect(ko.state).to.include({ status: 'open', openedAt: 1000 });
    expect(ko.transition).to.equal(undefined);
  });

  it('a success while closed changes nothing', () => {
    const s = failedAt(initialBreakerState(), 0);
    expect(recordSuccess(s, 10).state).to.equal(s);
  });

  it('peeks without claiming the probe', () => {
    const s = opened();
    expect(breakerPeek(s, 6000, CONFIG)).to.deep.equal({ allowed: true, reason: 'probe', detail: 'half-open: this request is the probe', retryAfterMs: 0 });
    // still open: the probe is not taken
    expect(s.status).to.equal('open');
    expect(breakerAllows(s, 6000, CONFIG).state.probeInFlight).to.equal(true);
  });

  it('never mutates the state it is given and survives a JSON round trip', () => {
    const s = Object.freeze({ ...opened(), failures: Object.freeze([...opened().failures]) });
    const copy = JSON.parse(JSON.stringify(s)) as BreakerState;
    breakerAllows(s, 6000, CONFIG);
    recordFailure(s, 7000, CONFIG);
    expect(s).to.deep.equal(copy);
    expect(breakerAllows(copy, 6000, CONFIG).state).to.deep.equal(breakerAllows(s, 6000, CONFIG).state);
  });

  it('rejects a bad config or time with a RangeError', () => {
    expect(() => breakerAllows(initialBreakerState(), 0, { ...CONFIG, failureThreshold: 0 })).to.throw(RangeError, /failureThreshold/);
    expect(() => recordFailure(initialBreakerState(), 0, { ...CONFIG, windowMs: -1 })).to.throw(RangeError, /windowMs/);
    expect(() => breakerAllows(initialBreakerState(), 0, { ...CONFIG, openMs: Number.NaN })).to.throw(RangeError, /openMs/);
    expect(() => recordSuccess(initialBreakerState(), Number.NaN)).to.throw(RangeError, /time/);
  });
});
