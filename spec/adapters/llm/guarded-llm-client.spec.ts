import { expect } from 'chai';
import { GuardedLlmClient } from '../../../adapters/llm/guarded-llm-client.js';
import type { BreakerTransition } from '../../../runtime/kit/circuit-breaker.js';
import { LlmFailure, type LlmClient, type LlmDecision, type LlmDecisionRequest, type LlmFailureKind } from '../../../runtime/ports/llm.js';

const HOLD: LlmDecision = { direction: 'hold', confidence: 0.5, sizeFraction: 0, reasoning: 'unclear' };
const request: LlmDecisionRequest = {
  requestId: 'r1',
  correlationId: 'c1',
  summary: { token: 'SOL', price: 100, ts: 0, indicators: {}, technicalScore: 0 },
  allowedActions: ['buy', 'sell', 'hold'],
  maxSize: 1,
};
const breaker = { failureThreshold: 3, windowMs: 10_000, openMs: 5_000 };

/** An inner client that fails with the kinds it is told to, or answers hold; counts its calls. */
class Inner implements LlmClient {
  readonly model = 'inner-model';
  calls = 0;
  closed = false;
  failWith: LlmFailureKind | Error | undefined;
  /** When set, the next decide waits for this promise. */
  gate: Promise<void> | undefined;
  async decide(): Promise<LlmDecision> {
    this.calls++;
    if (this.gate) await this.gate;
    const f = this.failWith;
    if (f instanceof Error) throw f;
    if (f) throw new LlmFailure(f, `inner ${f}`);
    return HOLD;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

async function failureOf(promise: Promise<unknown>): Promise<LlmFailure> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(LlmFailure);
    return error as LlmFailure;
  }
  expect.fail('expected decide() to reject');
}

describe('GuardedLlmClient', () => {
  let now: number;
  let inner: Inner;
  let guarded: GuardedLlmClient;
  let transitions: string[];

  beforeEach(() => {
    now = 1_000_000;
    inner = new Inner();
    guarded = new GuardedLlmClient(inner, { breaker, now: () => now });
    transitions = [];
    guarded.onTransition((t: BreakerTransition) => transitions.push(`${t.from}->${t.to}`));
  });

  const trip = async (kind: LlmFailureKind = 'timeout'): Promise<void> => {
    inner.failWith = kind;
    for (let i = 0; i < breaker.failureThreshold; i++) {
      now += 100;
      expect((await failureOf(guarded.decide(request))).kind).to.equal(kind);
    }
  };

  it('passes answers and the model name through while closed', async () => {
    expect(guarded.model).to.equal('inner-model');
    expect(await guarded.decide(request)).to.deep.equal(HOLD);
    expect(guarded.breakerStatus()).to.equal('closed');
  });

  for (const kind of ['timeout', 'http-error', 'unavailable'] as const) {
    it(`opens after ${breaker.failureThreshold} ${kind} failures within the window`, async () => {
      await trip(kind);
      expect(guarded.breakerStatus()).to.equal('open');
      expect(transitions).to.deep.equal(['closed->open']);
    });
  }

  it('counts a non-LlmFailure error as unavailable', async () => {
    inner.failWith = new Error('socket hang up');
    for (let i = 0; i < 3; i++) expect(await failureOf(guarded.decide(request))).to.include({ kind: 'unavailable', message: 'LLM client failed: socket hang up' });
    expect(guarded.breakerStatus()).to.equal('open');
  });

  it('is not tripped by invalid answers, disallowed actions or a spent budget', async () => {
    for (const kind of ['invalid-answer', 'disallowed-action', 'budget-exhausted'] as const) {
      inner.failWith = kind;
      for (let i = 0; i < 5; i++) expect((await failureOf(guarded.decide(request))).kind).to.equal(kind);
    }
    expect(guarded.breakerStatus()).to.equal('closed');
    expect(inner.calls).to.equal(15);
  });

  it('rejects at once while open, without calling the inner client', async () => {
    await trip();
    const calls = inner.calls;
    now += breaker.openMs - 1;
    const failure = await failureOf(guarded.decide(request));
    expect(failure.kind).to.equal('unavailable');
    expect(failure.message).to.match(/^circuit open for inner-model \(open\).*retry in 1 ms$/);
    expect(inner.calls).to.equal(calls);
  });

  it('lets one probe through after openMs, refuses others meanwhile, and closes when it succeeds', async () => {
    await trip();
    now += breaker.openMs;
    inner.failWith = undefined;
    let release!: () => void;
    inner.gate = new Promise((resolve) => (release = resolve));
    const probe = guarded.decide(request);
    expect(guarded.breakerStatus()).to.equal('half-open');
    const other = await failureOf(guarded.decide(request));
    expect(other.message).to.match(/^circuit open for inner-model \(probe-in-flight\)/);
    expect(inner.calls).to.equal(4);
    inner.gate = undefined;
    release();
    expect(await probe).to.deep.equal(HOLD);
    expect(guarded.breakerStatus()).to.equal('closed');
    expect(transitions).to.deep.equal(['closed->open', 'open->half-open', 'half-open->closed']);
    expect(await guarded.decide(request)).to.deep.equal(HOLD);
  });

  it('opens again when the probe fails', async () => {
    await trip();
    now += breaker.openMs;
    expect((await failureOf(guarded.decide(request))).kind).to.equal('timeout');
    expect(guarded.breakerStatus()).to.equal('open');
    expect(transitions).to.deep.equal(['closed->open', 'open->half-open', 'half-open->open']);
    const calls = inner.calls;
    expect((await failureOf(guarded.decide(request))).message).to.match(/^circuit open/);
    expect(inner.calls).to.equal(calls);
  });

  it('frees the probe slot when the probe never left (budget spent)', async () => {
    await trip();
    now += breaker.openMs;
    inner.failWith = 'budget-exhausted';
    expect((await failureOf(guarded.decide(request))).kind).to.equal('budget-exhausted');
    expect(guarded.breakerStatus()).to.equal('half-open');
    inner.failWith = undefined;
    expect(await guarded.decide(request)).to.deep.equal(HOLD);
    expect(guarded.breakerStatus()).to.equal('closed');
  });

  it('keeps deciding when a transition listener throws, and stops calling an unsubscribed one', async () => {
    guarded.onTransition(() => {
      throw new Error('log sink down');
    });
    const seen: string[] = [];
    const off = guarded.onTransition((t) => seen.push(t.to));
    off();
    await trip();
    expect(guarded.breakerStatus()).to.equal('open');
    expect(seen).to.deep.equal([]);
    expect(transitions).to.deep.equal(['closed->open']);
  });

  it('refuses a bad breaker config at construction, and closes the inner client', async () => {
    expect(() => new GuardedLlmClient(inner, { breaker: { ...breaker, failureThreshold: 0 } })).to.throw(RangeError, /failureThreshold/);
    await guarded.close();
    expect(inner.closed).to.equal(true);
  });
});
