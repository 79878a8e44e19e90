import { expect } from 'chai';
import { RecordedLlmClient } from '../../../adapters/llm/recorded-llm-client.js';
import { PriceTick } from '../../../actors/market/events.js';
import { tradingAgent, type TradingLlm, type TradingState } from '../../../actors/trading/agent.js';
import { EntryGate } from '../../../actors/execution/events.js';
import { LlmDecisionRecorded, Signal, type LlmDecisionRecord } from '../../../actors/trading/events.js';
import { pendingDeadlineMs } from '../../../actors/trading/llm-advice.js';
import { defaultConfig, type Config } from '../../../config/schema.js';
import type { AgentDefinition } from '../../../runtime/agent/agent.js';
import { createAgentContext, createRecoveryContext, type PipedTask } from '../../../runtime/agent/agent-context.js';
import type { Envelope } from '../../../runtime/events/envelope.js';
import { DecodeError, EventTypeRegistry } from '../../../runtime/events/event-types.js';
import { silentLogger } from '../../../runtime/ports/logger.js';
import { LlmFailure, type LlmClient, type LlmDecision, type LlmDecisionRequest } from '../../../runtime/ports/llm.js';
import { runAgent, scriptedEvent } from '../../../runtime/agent/test-kit.js';

const T0 = Date.UTC(2026, 0, 1);
// Trend-following weights (as in agent.spec.ts): a steady rise gives a buy candidate from tick 33 on.
const settings = (over: Partial<Config['trading']> = {}): Config['trading'] => ({
  ...defaultConfig().trading,
  weights: { sma: 1, ema: 1, macd: 1, rsi: 0, bollinger: 0 },
  cooldownMs: 10_000,
  ...over,
});
const rising = (n: number): number[] => Array.from({ length: n }, (_, i) => 100 * 1.01 ** i);
/** The price of tick 33 of a rising series, where the first request is made. */
const PRICE_33 = rising(34)[33]!;
const ticks = (prices: number[], token = 'SOL'): Envelope[] =>
  prices.map((price, i) => scriptedEvent(PriceTick, { price, volume: 0 }, { ts: T0 + i * 1000, token, id: `tick-${i}` }));

const buy = (over: Partial<LlmDecision> = {}): LlmDecision => ({ direction: 'buy', confidence: 0.8, sizeFraction: 0.5, reasoning: 'trend intact', ...over });

/** A fake LlmClient: answers from a script (a decision, or an error to reject with) and records every request. */
class ScriptedLlm implements LlmClient {
  readonly model = 'fake-model';
  readonly requests: LlmDecisionRequest[] = [];
  constructor(private readonly script: (LlmDecision | Error)[] = []) {}
  async decide(request: LlmDecisionRequest): Promise<LlmDecision> {
    this.requests.push(request);
    const next = this.script.shift() ?? buy({ direction: 'hold' });
    if (next instanceof Error) throw next;
    return next;
  }
  async close(): Promise<void> {}
}

const llmOf = (client: LlmClient, over: Partial<TradingLlm> = {}): TradingLlm => ({ client, minConfidence: 0.6, maxNotional: 2 * PRICE_33, timeoutMs: 60_000, ...over });

interface Driven {
  readonly emitted: Envelope[];
  /** Every event the actor handled, in order: its log. */
  readonly applied: Envelope[];
  /** Decisions never fed back. */
  readonly undelivered: Envelope[];
  readonly state: TradingState;
  signals(): Envelope<'signal', any>[];
  decisions(): Envelope<'llm.decision', LlmDecisionRecord>[];
}

/**
 * Runs the agent tick by tick and feeds each recorded decision back `delay` ticks after the tick
 * that caused it (Infinity: never), as the log would deliver it.
 */
async function drive(agent: AgentDefinition<TradingState>, events: readonly Envelope[], delay = 0): Promise<Driven> {
  let states = new Map<string, TradingState>();
  const emitted: Envelope[] = [];
  const applied: Envelope[] = [];
  const held: { envelope: Envelope; due: number }[] = [];
  const step = async (event: Envelope): Promise<Envelope[]> => {
    const run = await runAgent(agent, [event], { initial: states });
    states = run.states;
    applied.push(event);
    emitted.push(...run.emitted);
    return run.emitted.filter((e) => e.type === LlmDecisionRecorded.type);
  };
  for (let i = 0; i < events.length; i++) {
    for (const decision of await step(events[i]!)) held.push({ envelope: decision, due: i + delay });
    for (const due of held.filter((h) => h.due <= i)) {
      held.splice(held.indexOf(due), 1);
      await step(due.envelope);
    }
  }
  return {
    emitted,
    applied,
    undelivered: held.map((h) => h.envelope),
    state: states.get('SOL')!,
    signals: () => emitted.filter((e) => e.type === Signal.type) as Envelope<'signal', any>[],
    decisions: () => emitted.filter((e) => e.type === LlmDecisionRecorded.type) as Envelope<'llm.decision', LlmDecisionRecord>[],
  };
}

describe('trading agent: LLM path', () => {
  it('keeps handling ticks and starts no second request while one is pending', async () => {
    const llm = new ScriptedLlm([buy()]);
    const run = await drive(tradingAgent(settings(), llmOf(llm)), ticks(rising(45)), Infinity);
    // Every tick from 33 on has a fresh buy candidate, but only the first is put to the model.
    expect(llm.requests.map((r) => r.requestId)).to.deep.equal(['llm-tick-33']);
    expect(run.state.closes).to.have.length(45);
    expect(run.state.closes[44]).to.equal(rising(45)[44]);
    expect(run.state.llmPending).to.include({ requestId: 'llm-tick-33', since: T0 + 33_000 });
    expect(run.state.llm).to.deep.equal({ requests: 1, decisions: 0, fallbacks: 0, holds: 0, ignored: 0, abandoned: 0 });
    expect(run.signals()).to.have.length(0);
    expect(run.undelivered).to.have.length(1);
  });

  it('publishes the model signal with its size fraction, at the price and evidence of the request', async () => {
    const prices = rising(40);
    const llm = new ScriptedLlm([buy({ confidence: 0.8, sizeFraction: 0.5, reasoning: `trend intact ${'x'.repeat(400)}` })]);
    // The answer comes back 4 ticks later; the price has moved on by then.
    const run = await drive(tradingAgent(settings(), llmOf(llm)), ticks(prices), 4);

    const request = llm.requests[0]!;
    expect(request).to.include({ requestId: 'llm-tick-33', correlationId: 'tick-33', maxSize: 2 });
    expect(request.allowedActions).to.deep.equal(['buy', 'sell', 'hold']);
    expect(request.summary).to.include({ token: 'SOL', price: prices[33], ts: T0 + 33_000 });

    const [record] = run.decisions();
    expect(record!.data.outcome).to.equal('ok');
    expect(record!.ts).to.equal(T0 + 33_000);
    const signals = run.signals();
    expect(signals).to.have.length(1);
    const s = signals[0]!;
    expect(s.causationId).to.equal(record!.id);
    expect(s.data).to.include({ side: 'buy', origin: 'llm', sizeFraction: 0.5, confidence: 0.8, price: prices[33] });
    expect(s.data.score).to.equal(record!.data.fallback.score);
    expect(s.data.indicators).to.deep.equal(record!.data.fallback.indicators);
    expect(s.data.indicators).to.include.keys('volatility', 'sma', 'rsi');
    expect(s.data.returns).to.have.length(20);
    expect(s.data.reason).to.have.length(300);
    expect(s.data.reason).to.match(/^trend intact x+…$/);
    expect(run.state).to.include({ lastSide: 'buy', lastSignalTs: T0 + 33_000, llmPending: null });
    expect(run.state.llm).to.include({ requests: 1, decisions: 1 });
    expect(Signal.schema.safeParse(s.data).success).to.equal(true);
  });

  it('follows the model when it picks the side the rules did not', async () => {
    const llm = new ScriptedLlm([buy({ direction: 'sell', confidence: 0.9, sizeFraction: 0.25, reasoning: 'exhausted rally' })]);
    const run = await drive(tradingAgent(settings(), llmOf(llm)), ticks(rising(34)));
    expect(run.decisions()[0]!.data.fallback.side).to.equal('buy');
    expect(run.signals().map((s) => s.data)).to.deep.equal([
      { ...run.decisions()[0]!.data.fallback, side: 'sell', confidence: 0.9, sizeFraction: 0.25, reason: 'exhausted rally', origin: 'llm' },
    ]);
  });

  it('publishes nothing on hold, low confidence or size 0, and asks about a declined side again only after the cooldown', async () => {
    const llm = new ScriptedLlm([buy({ direction: 'hold', confidence: 0.9 }), buy({ confidence: 0.59 }), buy({ sizeFraction: 0 })]);
    const run = await drive(tradingAgent(settings(), llmOf(llm)), ticks(rising(60)));
    expect(llm.requests.map((r) => r.requestId)).to.deep.equal(['llm-tick-33', 'llm-tick-43', 'llm-tick-53']);
    expect(run.signals()).to.have.length(0);
    expect(run.state.llm).to.deep.equal({ requests: 3, decisions: 0, fallbacks: 0, holds: 3, ignored: 0, abandoned: 0 });
    expect(run.state).to.include({ lastSide: null, lastSignalTs: null });
    expect(run.state.llmHold).to.deep.equal({ side: 'buy', ts: T0 + 53_000 });
  });

  it('falls back to the rule-based signal, unchanged, when the request fails', async () => {
    const prices = rising(34);
    const rulesOnly = (await runAgent(tradingAgent(settings()), ticks(prices))).ofType(Signal.type);
    expect(rulesOnly).to.have.length(1);
    expect(rulesOnly[0]!.data.origin).to.equal('rules');

    const failures: [Error | LlmDecision, string][] = [
      [new LlmFailure('timeout', 'no answer from fake-model within 4000 ms'), 'timeout'],
      [new LlmFailure('invalid-answer', 'answer holds no JSON object'), 'invalid-answer'],
      [new Error('socket hang up'), 'unavailable'],
      [buy({ confidence: 2 }), 'invalid-answer'], // an answer outside the port's contract
    ];
    for (const [answer, outcome] of failures) {
      const llm = new ScriptedLlm([answer]);
      const run = await drive(tradingAgent(settings(), llmOf(llm)), ticks(prices));
      const record = run.decisions()[0]!.data;
      expect(record.outcome, String(answer)).to.equal(outcome);
      expect(record).to.have.property('failure').that.is.a('string').and.not.empty;
      expect(record).not.to.have.property('decision');
      expect(run.signals().map((s) => s.data)).to.deep.equal([rulesOnly[0]!.data]);
      expect(run.state.llm).to.include({ requests: 1, fallbacks: 1 });
      expect(run.state).to.include({ lastSide: 'buy', lastSignalTs: T0 + 33_000 });
    }
  });

  it('ignores a decision that matches no pending request (forged, duplicate, late)', async () => {
    const agent = tradingAgent(settings(), llmOf(new ScriptedLlm([buy()])));
    const first = await drive(agent, ticks(rising(36)), Infinity);
    const real = first.undelivered[0] as Envelope<'llm.decision', LlmDecisionRecord>;
    const forged = { ...real, id: 'forged-1', data: { ...real.data, requestId: 'llm-tick-999' } };

    let states = new Map([['SOL', first.state]]);
    const feed = async (event: Envelope) => {
      const run = await runAgent(agent, [event], { initial: states });
      states = run.states;
      return run.ofType(Signal.type);
    };
    expect(await feed(forged)).to.have.length(0);
    expect(states.get('SOL')!.llmPending).to.include({ requestId: 'llm-tick-33' });
    expect(await feed(real)).to.have.length(1);
    expect(await feed({ ...real, id: 'duplicate-1' })).to.have.length(0);
    expect(states.get('SOL')!.llm).to.deep.equal({ requests: 1, decisions: 1, fallbacks: 0, holds: 0, ignored: 2, abandoned: 0 });
  });

  it('abandons a request with no answer by its deadline, then asks again', async () => {
    expect(pendingDeadlineMs(1000)).to.equal(3000);
    const llm = new ScriptedLlm([buy(), buy()]);
    const agent = tradingAgent(settings(), llmOf(llm, { timeoutMs: 1000 }));
    const run = await drive(agent, ticks(rising(38)), Infinity);
    // Asked at 33 s; at 36 s it is 3000 ms old (not past the deadline); at 37 s it is given up.
    expect(llm.requests.map((r) => r.requestId)).to.deep.equal(['llm-tick-33', 'llm-tick-37']);
    expect(run.state.llm).to.deep.equal({ requests: 2, decisions: 0, fallbacks: 0, holds: 0, ignored: 0, abandoned: 1 });
    expect(run.state.llmPending).to.include({ requestId: 'llm-tick-37' });

    // The lost request's answer turning up after all changes nothing.
    const late = await runAgent(agent, [run.undelivered[0]!], { initial: new Map([['SOL', run.state]]) });
    expect(late.ofType(Signal.type)).to.have.length(0);
    expect(late.state('SOL').llm).to.include({ ignored: 1 });
    expect(late.state('SOL').llmPending).to.include({ requestId: 'llm-tick-37' });
  });

  it('waits longer with abandonAfterMs (a fast replay), and gives a pending request up on a restart', async () => {
    const llm = new ScriptedLlm([buy(), buy()]);
    const agent = tradingAgent(settings(), llmOf(llm, { timeoutMs: 1000, abandonAfterMs: 60_000 }));
    const run = await drive(agent, ticks(rising(45)), Infinity);
    expect(llm.requests.map((r) => r.requestId)).to.deep.equal(['llm-tick-33']);
    expect(run.state.llmPending).to.include({ requestId: 'llm-tick-33' });
    const outbox: Envelope[] = [];
    const restarted = await agent.recover!(run.state, createRecoveryContext('trading:SOL', 'SOL', 'trading', outbox, silentLogger));
    expect(restarted.llmPending).to.equal(null);
    expect(restarted.llm).to.include({ abandoned: 1 });
    expect(outbox).to.deep.equal([]);
  });

  it('refuses LLM options out of range', () => {
    const client = new ScriptedLlm();
    expect(() => tradingAgent(settings(), llmOf(client, { minConfidence: 1.2 }))).to.throw(RangeError, /minConfidence/);
    expect(() => tradingAgent(settings(), llmOf(client, { maxNotional: 0 }))).to.throw(RangeError, /maxNotional/);
    expect(() => tradingAgent(settings(), llmOf(client, { timeoutMs: Number.NaN }))).to.throw(RangeError, /timeoutMs/);
  });

  it('consumes llm.decision and execution.gate events only when it has an LLM', () => {
    expect(tradingAgent(settings()).consumes.map((t) => t.type)).to.deep.equal(['price.tick']);
    expect(tradingAgent(settings(), llmOf(new ScriptedLlm())).consumes.map((t) => t.type)).to.deep.equal(['price.tick', 'llm.decision', 'execution.gate']);
  });

  it('offers the model only the sides and the size the execution gate allows, and asks nothing when it allows none', async () => {
    const prices = rising(40);
    const gate = (allowed: ('buy' | 'sell')[], maxNotional: number, ts: number) =>
      scriptedEvent(EntryGate, { allowed, refused: {}, maxNotional }, { ts, token: 'SOL', id: `gate-${ts}` });
    const llm = new ScriptedLlm([buy({ confidence: 0.8, sizeFraction: 1, reasoning: 'go' })]);
    const closed = await drive(tradingAgent(settings(), llmOf(llm)), [gate([], 0, T0 - 1), ...ticks(prices)], 4);
    expect(llm.requests).to.have.length(0);
    expect(closed.signals().map((s) => s.data.origin)).to.include('rules');

    const narrow = new ScriptedLlm([buy({ confidence: 0.8, sizeFraction: 1, reasoning: 'go' })]);
    await drive(tradingAgent(settings(), llmOf(narrow)), [gate(['sell'], PRICE_33 / 2, T0 - 1), ...ticks(prices)], 4);
    expect(narrow.requests[0]!.allowedActions).to.deep.equal(['sell', 'hold']);
    expect(narrow.requests[0]!.maxSize).to.be.closeTo(0.5, 1e-12);
  });

  describe('replay', () => {
    // Up, down, up: buy and sell candidates with several requests, answered in all the ways.
    const up = rising(45);
    const down = Array.from({ length: 25 }, (_, i) => up[44]! * 0.985 ** (i + 1));
    const back = Array.from({ length: 25 }, (_, i) => down[24]! * 1.015 ** (i + 1));
    const series = ticks([...up, ...down, ...back]);
    const script = (): (LlmDecision | Error)[] => [
      buy(),
      buy({ direction: 'hold' }),
      new LlmFailure('timeout', 'no answer within 4000 ms'),
      buy({ direction: 'sell', confidence: 0.7, sizeFraction: 1 }),
      new LlmFailure('budget-exhausted', 'request budget spent'),
      buy({ confidence: 0.3 }),
      buy({ sizeFraction: 0.2 }),
    ];

    it('reproduces the same signals and state from the recorded decisions, with no model', async () => {
      const live = await drive(tradingAgent(settings(), llmOf(new ScriptedLlm(script()))), series, 2);
      const outcomes = live.decisions().map((d) => d.data.outcome);
      expect(outcomes).to.include.members(['ok', 'timeout', 'budget-exhausted']);
      expect(live.signals().map((s) => s.data.origin)).to.include.members(['llm', 'rules']);

      const recorded = new RecordedLlmClient(live.emitted);
      expect(recorded.size).to.equal(live.decisions().length);
      const replay = await drive(tradingAgent(settings(), llmOf(recorded)), series, 2);
      expect(replay.signals()).to.deep.equal(live.signals());
      expect(replay.state).to.deep.equal(live.state);
      const withoutLatency = (d: Envelope<'llm.decision', LlmDecisionRecord>) => ({ ...d, data: { ...d.data, latencyMs: 0 } });
      expect(replay.decisions().map(withoutLatency)).to.deep.equal(live.decisions().map(withoutLatency));
    });

    it('rehydrates to the same state from the log, starting no request while replaying', async () => {
      const agent = tradingAgent(settings(), llmOf(new ScriptedLlm(script())));
      const live = await drive(agent, series, 2);
      let state = agent.initialState('SOL');
      const tasks: PipedTask[] = [];
      const outbox: Envelope[] = [];
      for (const event of live.applied) {
        const ctx = createAgentContext('trading:SOL', 'SOL', 'trading', event, outbox, silentLogger, true, tasks);
        state = await agent.handle(state, event as Parameters<typeof agent.handle>[1], ctx);
      }
      expect(tasks).to.have.length(0);
      expect(state).to.deep.equal(live.state);
    });
  });

  describe('llm.decision records', () => {
    const registry = new EventTypeRegistry([LlmDecisionRecorded]);
    const fallback = { side: 'buy', score: 0.5, confidence: 0.5, price: 100, indicators: { sma: 99 }, reason: 'buy: score 0.500', returns: [0.01] };
    const ok = {
      requestId: 'llm-tick-1',
      model: 'fake-model',
      outcome: 'ok',
      latencyMs: 12,
      summary: { price: 100, ts: T0, technicalScore: 0.5, indicators: { sma: 99 } },
      decision: { direction: 'buy', confidence: 0.8, sizeFraction: 0.5, reasoning: 'up' },
      fallback,
    };
    const envelope = (data: unknown) => ({ id: 'e1', type: 'llm.decision', ts: T0, token: 'SOL', source: 'trading', correlationId: 'c1', data });
    const { decision: _omit, ...failed } = { ...ok, outcome: 'timeout', failure: 'no answer within 4000 ms' };

    it('accepts an answer and a failure', () => {
      expect(registry.validate(envelope(ok)).data).to.deep.equal(ok);
      expect(registry.validate(envelope(failed)).data).to.deep.equal(failed);
    });

    const bad: [string, unknown][] = [
      ['an ok without its decision', { ...ok, decision: undefined }],
      ['an ok carrying a failure', { ...ok, failure: 'x' }],
      ['a failure carrying a decision', { ...failed, decision: ok.decision }],
      ['a failure without its message', { ...failed, failure: '' }],
      ['an unknown outcome', { ...failed, outcome: 'maybe' }],
      ['an unknown field', { ...ok, extra: 1 }],
      ['a confidence above 1', { ...ok, decision: { ...ok.decision, confidence: 1.5 } }],
      ['a fallback with an unknown field', { ...ok, fallback: { ...fallback, origin: 'rules' } }],
      ['a summary price of 0', { ...ok, summary: { ...ok.summary, price: 0 } }],
    ];
    for (const [what, data] of bad) {
      it(`rejects ${what} at decode`, () => {
        expect(() => registry.validate(envelope(data))).to.throw(DecodeError, /invalid-data: llm.decision/);
      });
    }
  });
});
