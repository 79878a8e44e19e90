// The execution actor with the paper venue, an in-memory journal and audit log: sizing, the safety
// checks, the journal written before the venue, the three outcomes, reconciliation by client order
// id, the review queue, the kill switch and fills booked once.
import { expect } from 'chai';
import { executionAgent, initialExecutionState, type ExecutionState } from '../../../actors/execution/agent.js';
import { clientOrderId } from '../../../actors/execution/client-order-id.js';
import { EntryGate, OrderCommand, TradeExecuted, VenueFill } from '../../../actors/execution/events.js';
import { Signal } from '../../../actors/trading/events.js';
import { MemoryAuditTrail } from '../../../adapters/store/memory-audit-trail.js';
import { MemoryOrderJournal } from '../../../adapters/store/memory-order-journal.js';
import { defaultConfig, type Config } from '../../../config/schema.js';
import { createRecoveryContext } from '../../../runtime/agent/agent-context.js';
import type { Envelope } from '../../../runtime/events/envelope.js';
import { silentLogger } from '../../../runtime/ports/logger.js';
import { runAgent, scriptedEvent } from '../../../runtime/agent/test-kit.js';
import { ScriptedExchange } from '../../support/scripted-exchange.js';

const T0 = Date.UTC(2026, 0, 5, 12);
const DAY = 86_400_000;
// 100,000 balance, 2% fixed fraction, max leverage 3, position notional limit 25,000, review at 20,000
const settings = (over: Partial<Config['execution']> = {}): Config['execution'] => ({ ...defaultConfig().execution, ...over });

function venue(settingsOver: Partial<Config['execution']> = {}) {
  const exchange = new ScriptedExchange({ slippageBps: 5, feeBps: 4 });
  const journal = new MemoryOrderJournal();
  const audit = new MemoryAuditTrail();
  const agent = executionAgent(settings(settingsOver), { exchange, journal, audit });
  return { exchange, journal, audit, agent };
}

const signal = (side: 'buy' | 'sell', price: number, ts: number, id: string, token = 'SOL', extra: Record<string, unknown> = {}) =>
  scriptedEvent(Signal, { side, score: 0.6, confidence: 0.6, price, indicators: {}, reason: 'test', ...extra }, { ts, token, id });
const command = (data: Envelope['data'], ts: number, id: string, token?: string) =>
  scriptedEvent(OrderCommand, data as never, { ts, id, ...(token ? { token } : {}) });

describe('execution agent', () => {
  it('sizes, checks and places an allowed entry, journaled and audited, emitting one trade with its slippage and fee', async () => {
    const { exchange, journal, audit, agent } = venue();
    const run = await runAgent(agent, [signal('buy', 100, T0, 'sig-1')]);
    // size = 100,000 * 2% / 100 = 20; fill 100 * (1 + 5 bps) = 100.05; fee = 20 * 100.05 * 4 bps = 0.8004
    expect(exchange.placeCalls).to.equal(1);
    const trades = run.ofType(TradeExecuted.type);
    expect(trades).to.have.length(1);
    const t = trades[0]!;
    const id = clientOrderId('sig-1', 'entry');
    expect(t.data).to.deep.include({ clientOrderId: id, fillId: `${id}:1`, side: 'buy', size: 20, referencePrice: 100, reduceOnly: false, venue: 'paper' });
    expect(t.data.price).to.be.closeTo(100.05, 1e-9);
    expect(t.data.fee).to.be.closeTo(0.8004, 1e-9);
    expect(t.data.slippageBps).to.be.closeTo(5, 1e-9);
    const s = run.state();
    expect(s.book['SOL']!.size).to.equal(20);
    expect(s.cash).to.be.closeTo(100_000 - 0.8004, 1e-9);
    expect(s.counters).to.deep.include({ signals: 1, orders: 1, fills: 1, duplicates: 0 });
    expect(s.orders).to.deep.equal({});
    expect(await journal.get(id)).to.deep.include({ status: 'filled', filledSize: 20, causeId: 'sig-1' });
    const trail = (await audit.query({ clientOrderId: id })).map((r) => `${r.kind}:${r.action}`);
    expect(trail).to.deep.equal(['decision:ALLOW', 'order:sent', 'order:confirmed', 'fill:booked']);
    expect((await audit.query({ clientOrderId: id })).every((r) => r.correlationId === t.correlationId)).to.equal(true);
  });

  it('places one order for a signal handled twice, and decides nothing anew the second time', async () => {
    const { exchange, agent } = venue();
    const sig = signal('buy', 100, T0, 'sig-twice');
    const run = await runAgent(agent, [sig, sig]);
    expect(exchange.placeCalls).to.equal(1);
    expect(run.ofType(TradeExecuted.type)).to.have.length(1);
    expect(run.state().counters.rejections).to.deep.equal({});
    expect(run.state().counters).to.deep.include({ orders: 1, duplicates: 0 });
  });

  it('never sends an order journaled by a crashed attempt: it books what the venue has, once', async () => {
    const { exchange, journal, agent } = venue();
    const request = { clientOrderId: clientOrderId('sig-crash', 'entry'), token: 'SOL', side: 'buy' as const, size: 20, price: 100, reduceOnly: false, ts: T0 };
    // The crashed attempt journaled and sent the order; its state and outbox were lost with it.
    await journal.begin({ venue: 'paper', request, causeId: 'sig-crash', correlationId: 'c', at: T0 });
    await exchange.place(request);
    const retry = await runAgent(agent, [signal('buy', 100, T0, 'sig-crash')]);
    expect(exchange.placeCalls).to.equal(1);
    expect(exchange.placedCount).to.equal(1);
    expect(retry.ofType(TradeExecuted.type)).to.have.length(1);
    expect(retry.state().counters).to.deep.include({ orders: 0, duplicates: 1, fills: 1 });
    expect(retry.state().book['SOL']!.size).to.equal(20);
    expect((await journal.get(request.clientOrderId))!.status).to.equal('filled');
  });

  it('does not book again when a handled signal is redelivered after the position closed', async () => {
    const { exchange, agent } = venue();
    const sig = signal('buy', 100, T0, 'sig-redo');
    const run = await runAgent(agent, [sig, command({ action: 'force-close', reason: 'risk', price: 100 }, T0 + 1, 'fc-1', 'SOL'), sig]);
    expect(exchange.placeCalls).to.equal(2); // the entry and the force-close
    expect(run.ofType(TradeExecuted.type).map((t) => t.data.reduceOnly)).to.deep.equal([false, true]);
    // The signal led to an order before: it is not decided again (no second entry on the flat book).
    expect(run.state().counters).to.deep.include({ orders: 2, duplicates: 0 });
    expect(run.state().counters.rejections).to.deep.equal({});
    expect(run.state().book['SOL']!.size).to.equal(0);
  });

  it('rejects an entry past the position notional limit and sends nothing', async () => {
    const { exchange, journal, audit, agent } = venue({ positionLimits: { maxNotional: 1000 } });
    const run = await runAgent(agent, [signal('buy', 100, T0, 'sig-big')]);
    expect(exchange.placeCalls).to.equal(0);
    expect(run.ofType(TradeExecuted.type)).to.have.length(0);
    expect(run.state().counters.rejections).to.deep.equal({ 'position-notional-limit': 1 });
    // The gate tells the trading actor that no entry on SOL would pass, and why.
    expect(run.ofType(EntryGate.type).map((e) => e.data)).to.deep.equal([
      { allowed: [], refused: { buy: 'position-notional-limit', sell: 'position-notional-limit' }, maxNotional: 0 },
    ]);
    expect(await journal.get(clientOrderId('sig-big', 'entry'))).to.equal(undefined);
    const [decision] = await audit.query({ kind: 'decision' });
    expect(decision).to.deep.include({ action: 'REJECT', reason: 'position-notional-limit', causeId: 'sig-big', token: 'SOL' });
  });

  it('refuses new entries once the day loss (realized + unrealized) reaches the limit, until the day rolls over', async () => {
    const { exchange, agent } = venue();
    const day = new Date(T0).toISOString().slice(0, 10);
    const losing: ExecutionState = {
      ...initialExecutionState(100_000),
      cash: 95_000,
      safety: { ...initialExecutionState(100_000).safety, lossWindows: { day: { key: day, startEquity: 100_000 }, week: { key: '2026-W02', startEquity: 95_000 }, month: { key: '2026-01', startEquity: 95_000 } } },
    };
    const run = await runAgent(agent, [signal('buy', 100, T0, 'sig-a'), signal('buy', 100, T0 + DAY, 'sig-b')], { initial: new Map([['execution', losing]]) });
    expect(run.state().counters.rejections).to.deep.equal({ 'daily-loss-limit': 1 });
    expect(exchange.placeCalls).to.equal(1);
    expect(run.ofType(TradeExecuted.type)[0]!.data.clientOrderId).to.equal(clientOrderId('sig-b', 'entry'));
  });

  it('holds an order at the review notional until an operator approves it', async () => {
    const { exchange, audit, agent } = venue({ sizing: { ...settings().sizing, fraction: 0.21 } });
    const id = clientOrderId('sig-review', 'entry');
    const held = await runAgent(agent, [signal('buy', 100, T0, 'sig-review')]);
    expect(exchange.placeCalls).to.equal(0);
    expect(held.state().safety.reviews.items.map((i) => [i.id, i.order.size, i.reason])).to.deep.equal([[id, 210, 'notional-review']]);
    const approved = await runAgent(agent, [command({ action: 'review', clientOrderId: id, decision: 'approve', by: 'alice' }, T0 + 60_000, 'rv-1')], {
      initial: new Map([['execution', held.state()]]),
    });
    expect(exchange.placeCalls).to.equal(1);
    expect(approved.ofType(TradeExecuted.type).map((t) => t.data.clientOrderId)).to.deep.equal([id]);
    expect(approved.state().safety.reviews.items).to.deep.equal([]);
    expect((await audit.query({ clientOrderId: id })).map((r) => `${r.kind}:${r.action}`)).to.deep.equal([
      'decision:MANUAL_REVIEW',
      'review:queued',
      'review:approved',
      'decision:ALLOW',
      'order:sent',
      'order:confirmed',
      'fill:booked',
    ]);
  });

  it('drops a reviewed order that expired or was rejected, sending nothing', async () => {
    const { exchange, audit, agent } = venue({ sizing: { ...settings().sizing, fraction: 0.21 }, review: { ttlMs: 60_000, maxItems: 10 } });
    const run = await runAgent(agent, [
      signal('buy', 100, T0, 'sig-r1', 'SOL'),
      signal('buy', 100, T0 + 1, 'sig-r2', 'ETH'),
      command({ action: 'review', clientOrderId: clientOrderId('sig-r2', 'entry'), decision: 'reject', by: 'bob', reason: 'too big' }, T0 + 2, 'rv-2'),
      command({ action: 'review', clientOrderId: clientOrderId('sig-r1', 'entry'), decision: 'approve', by: 'bob' }, T0 + 120_000, 'rv-3'),
    ]);
    expect(exchange.placeCalls).to.equal(0);
    expect(run.state().safety.reviews.items).to.deep.equal([]);
    const reviews = (await audit.query({ kind: 'review' })).map((r) => `${r.action}:${r.reason}`);
    expect(reviews).to.deep.equal(['queued:notional-review', 'queued:notional-review', 'rejected:notional-review', 'expired:expired', 'failed:unknown-id']);
  });

  it('force-closes the whole position with a reduce-only order at the command price', async () => {
    const { agent } = venue();
    const run = await runAgent(agent, [signal('buy', 100, T0, 'sig-fc'), command({ action: 'force-close', reason: 'critical leverage', price: 90 }, T0 + 1000, 'fc-2', 'SOL')]);
    const close = run.ofType(TradeExecuted.type)[1]!;
    expect(close.data).to.deep.include({ clientOrderId: clientOrderId('fc-2', 'force-close'), side: 'sell', size: 20, reduceOnly: true, referencePrice: 90 });
    expect(close.data.price).to.be.closeTo(90 * (1 - 5e-4), 1e-9);
    const s = run.state();
    expect(s.book['SOL']!.size).to.equal(0);
    // realized 20 * (89.955 - 100.05) = -201.9
    expect(s.realizedPnl).to.be.closeTo(-201.9, 1e-9);
    // A losing reduce-only fill is a stop-out: the token cools down.
    expect(s.safety.protections.locks.map((l) => [l.scope, l.reason])).to.deep.equal([['SOL', 'cooldown']]);
  });

  it('closes the opposite position before entering on a reversing signal', async () => {
    const { agent } = venue({ protections: {} });
    const run = await runAgent(agent, [signal('buy', 100, T0, 'sig-long'), signal('sell', 101, T0 + 1000, 'sig-short')]);
    const trades = run.ofType(TradeExecuted.type).map((t) => ({ id: t.data.clientOrderId, side: t.data.side, reduceOnly: t.data.reduceOnly }));
    expect(trades).to.deep.equal([
      { id: clientOrderId('sig-long', 'entry'), side: 'buy', reduceOnly: false },
      { id: clientOrderId('sig-short', 'exit'), side: 'sell', reduceOnly: true },
      { id: clientOrderId('sig-short', 'entry'), side: 'sell', reduceOnly: false },
    ]);
    expect(run.state().book['SOL']!.size).to.be.below(0);
  });

  it('scales the entry by the signal size fraction and books nothing for a zero fraction', async () => {
    const { agent } = venue();
    const run = await runAgent(agent, [signal('buy', 100, T0, 'sig-half', 'SOL', { sizeFraction: 0.5 }), signal('buy', 100, T0, 'sig-zero', 'ETH', { sizeFraction: 0 })]);
    expect(run.ofType(TradeExecuted.type).map((t) => t.data.size)).to.deep.equal([10]);
    expect(run.state().counters.rejections).to.deep.equal({ 'zero-size': 1 });
  });

  it('leaves an unanswered order unresolved, never resends it, and books it when the venue has it', async () => {
    const { exchange, journal, agent } = venue();
    exchange.next('lost-answer').lookupsFail(1);
    const id = clientOrderId('sig-lost', 'entry');
    const run = await runAgent(agent, [
      signal('buy', 100, T0, 'sig-lost'),
      // The venue cannot be asked at first: still unresolved, and no new entry for the token.
      signal('buy', 101, T0 + 1000, 'sig-next'),
      // Asked again on the next event: found, booked.
      signal('sell', 102, T0 + 2000, 'sig-eth', 'ETH'),
    ]);
    expect(exchange.placeCalls).to.equal(2); // the lost one (never resent) and ETH's entry
    expect(run.ofType(TradeExecuted.type).map((t) => [t.token, t.data.clientOrderId])).to.deep.equal([
      ['SOL', id],
      ['ETH', clientOrderId('sig-eth', 'entry')],
    ]);
    expect(run.state().counters).to.deep.include({ unresolved: 1, reconciled: 1 });
    expect(run.state().counters.rejections).to.deep.equal({ 'order-in-flight': 1 });
    expect(run.state().orders).to.deep.equal({});
    expect((await journal.get(id))!.status).to.equal('filled');
  });

  it('closes an order the venue never received as not-received after the grace period, without resending it', async () => {
    const { exchange, journal, agent } = venue({ unresolvedGraceMs: 10_000 });
    exchange.next('lost-request');
    const id = clientOrderId('sig-void', 'entry');
    const run = await runAgent(agent, [signal('buy', 100, T0, 'sig-void'), signal('sell', 100, T0 + 5000, 'sig-eth', 'ETH'), signal('sell', 100, T0 + 20_000, 'sig-eth2', 'BTC')]);
    expect(exchange.placedCount).to.equal(2);
    expect(await exchange.order(id)).to.equal(undefined);
    expect((await journal.get(id))!.status).to.equal('not-received');
    expect(run.state().orders).to.deep.equal({});
    expect(run.state().reconcilePending).to.equal(false);
  });

  it('opens the exchange breaker after repeated unanswered orders and refuses entries while it is open', async () => {
    const { exchange, audit, agent } = venue({ exchangeBreaker: { failureThreshold: 2, windowMs: 60_000, openMs: 30_000 } });
    exchange.next('lost-request', 'lost-request');
    const run = await runAgent(agent, [
      signal('buy', 100, T0, 'sig-1', 'SOL'),
      signal('buy', 100, T0 + 1, 'sig-2', 'ETH'),
      signal('buy', 100, T0 + 2, 'sig-3', 'BTC'),
      // 30 s later the breaker lets one probe through; it succeeds and closes the breaker.
      signal('buy', 100, T0 + 31_000, 'sig-4', 'ARB'),
    ]);
    expect(exchange.placeCalls).to.equal(3);
    expect(run.state().counters.rejections['breaker-open']).to.equal(1);
    expect((await audit.query({ kind: 'breaker' })).map((r) => r.action)).to.deep.equal(['closed->open', 'open->half-open', 'half-open->closed']);
    expect(run.state().safety.exchangeBreaker.status).to.equal('closed');
  });

  it('kill switch: cancels, closes every position reduce-only, refuses entries until reset', async () => {
    const { exchange, audit, agent } = venue();
    const run = await runAgent(agent, [
      signal('buy', 100, T0, 'sig-sol', 'SOL'),
      signal('sell', 50, T0 + 1, 'sig-eth', 'ETH'),
      command({ action: 'kill-switch', mode: 'activate', by: 'alice', reason: 'venue outage' }, T0 + 2, 'ks-1'),
      signal('buy', 10, T0 + 3, 'sig-btc', 'BTC'),
      command({ action: 'kill-switch', mode: 'reset', by: 'alice', reason: 'all clear' }, T0 + 4, 'ks-2'),
      signal('buy', 10, T0 + 5, 'sig-btc2', 'BTC'),
    ]);
    const trades = run.ofType(TradeExecuted.type).map((t) => [t.token, t.data.side, t.data.reduceOnly]);
    expect(trades).to.deep.equal([
      ['SOL', 'buy', false],
      ['ETH', 'sell', false],
      ['SOL', 'sell', true],
      ['ETH', 'buy', true],
      ['BTC', 'buy', false],
    ]);
    expect(run.state().book['SOL']!.size).to.equal(0);
    expect(run.state().book['ETH']!.size).to.equal(0);
    expect(run.state().counters.rejections['kill-switch']).to.equal(1);
    expect(exchange.placedCount).to.equal(5);
    expect((await audit.query({ kind: 'kill-switch' })).map((r) => r.action)).to.deep.equal(['activated', 'reset']);
  });

  it('publishes the entry gate per token when it changes: what an order could do now', async () => {
    const { agent } = venue();
    const run = await runAgent(agent, [
      signal('buy', 100, T0, 'sig-sol', 'SOL'),
      command({ action: 'kill-switch', mode: 'activate', by: 'alice', reason: 'drill' }, T0 + 1, 'ks-1'),
      command({ action: 'kill-switch', mode: 'reset', by: 'alice', reason: 'drill over' }, T0 + 2, 'ks-2'),
    ]);
    const gates = run.ofType(EntryGate.type).map((e) => [e.ts, e.data.allowed, e.data.refused]);
    expect(gates).to.deep.equal([
      // Long SOL: only an exit would pass.
      [T0, ['sell'], { buy: 'already-positioned' }],
      // Kill switch: flat again (closed), and no entry either way. After the reset the losing close
      // still has SOL on its cooldown: nothing allowed, no change, nothing published.
      [T0 + 1, [], { buy: 'kill-switch', sell: 'kill-switch' }],
    ]);
    expect(run.state().safety.protections.locks.map((l) => [l.scope, l.reason])).to.deep.equal([['SOL', 'cooldown']]);
  });

  it('trips the kill switch by itself on a hard loss limit and closes the position', async () => {
    const { agent } = venue({ hardLimits: { dailyLoss: 300 }, lossLimits: {} });
    const run = await runAgent(agent, [
      signal('buy', 100, T0, 'sig-1', 'SOL'),
      // SOL marked at 80 (the signal itself is refused): 20 * (80 - 100.05) = -401 unrealized, past the 300 hard limit.
      signal('buy', 80, T0 + 1, 'sig-2', 'SOL'),
    ]);
    const s = run.state();
    expect(s.counters.rejections).to.deep.equal({ 'already-positioned': 1 });
    expect(s.safety.killSwitch).to.deep.include({ active: true, by: 'hard-limit' });
    expect(s.book['SOL']!.size).to.equal(0);
    const trades = run.ofType(TradeExecuted.type);
    expect(trades.map((t) => [t.data.reduceOnly, t.data.referencePrice])).to.deep.equal([[false, 100], [true, 80]]);
    expect(trades[1]!.data.clientOrderId).to.equal(clientOrderId('sig-2', 'kill-close:SOL'));
  });

  it('books partial fills streamed by the venue once each, and completes the order', async () => {
    const exchange = new ScriptedExchange({ slippageBps: 0, feeBps: 0, fillSlices: 2, fillIntervalMs: 1 });
    const journal = new MemoryOrderJournal();
    const agent = executionAgent(settings(), { exchange, journal, audit: new MemoryAuditTrail() });
    const streamed: Envelope[] = [];
    const sub = exchange.fills.subscribe((f) =>
      streamed.push(scriptedEvent(VenueFill, { venue: 'paper', fillId: f.fillId, clientOrderId: f.clientOrderId, side: f.side, size: f.size, price: f.price, fee: f.fee }, { ts: T0 + 10, token: f.token })),
    );
    const first = await runAgent(agent, [signal('buy', 100, T0, 'sig-part')]);
    const id = clientOrderId('sig-part', 'entry');
    expect(first.state().orders[id]).to.deep.include({ status: 'partially-filled', filledSize: 10 });
    while (streamed.length < 2) await new Promise((r) => setTimeout(r, 2));
    sub.unsubscribe();
    // Both streamed fills arrive; the first was booked from the answer already.
    const rest = await runAgent(agent, [...streamed, streamed[1]!], { initial: new Map([['execution', first.state()]]) });
    expect(rest.ofType(TradeExecuted.type).map((t) => t.data.fillId)).to.deep.equal([`${id}:2`]);
    expect(rest.state().book['SOL']!.size).to.equal(20);
    expect(rest.state().orders).to.deep.equal({});
    expect((await journal.get(id))!.status).to.equal('filled');
    await exchange.close();
  });

  it('books nothing twice and decides no cause anew from a snapshot that kept its ids as flat lists (before id windows)', async () => {
    const { exchange, agent } = venue();
    const first = await runAgent(agent, [signal('buy', 100, T0, 'sig-old')]);
    const [fill] = first.ofType(TradeExecuted.type);
    const saved = JSON.parse(JSON.stringify(first.state())) as ExecutionState & { bookedFills: unknown; recentCauses: unknown };
    const flat = (w: { chunks: string[][] }) => w.chunks.flat();
    const old = { ...saved, bookedFills: flat(saved.bookedFills as { chunks: string[][] }), recentCauses: flat(saved.recentCauses as { chunks: string[][] }) };
    expect(old.bookedFills).to.deep.equal([fill!.data.fillId]);
    const again = scriptedEvent(VenueFill, { venue: 'paper', fillId: fill!.data.fillId, clientOrderId: fill!.data.clientOrderId, side: 'buy', size: fill!.data.size, price: fill!.data.price, fee: fill!.data.fee }, { ts: T0 + 5, token: 'SOL' });
    const rest = await runAgent(agent, [again, signal('buy', 100, T0 + 10, 'sig-old')], { initial: new Map([['execution', old as unknown as ExecutionState]]) });
    expect(rest.ofType(TradeExecuted.type)).to.have.length(0);
    expect(rest.state().book['SOL']!.size).to.equal(first.state().book['SOL']!.size);
    expect(rest.state().counters.orders).to.equal(first.state().counters.orders);
    // Refused as a known cause, before any check: no 'already-positioned' either.
    expect(rest.state().counters.rejections).to.deep.equal(first.state().counters.rejections);
    await exchange.close();
  });

  it('keeps a filled order whose fills have not arrived tracked, the token busy, until they are booked', async () => {
    const { exchange, agent } = venue();
    // Filled at the venue, no fills in the answer; the first lookup fails too.
    exchange.next('fills-later').lookupsFail(1);
    const id = clientOrderId('sig-late', 'entry');
    const run = await runAgent(agent, [
      signal('buy', 100, T0, 'sig-late'),
      // Not flat in truth: a second SOL entry must not go out.
      signal('buy', 101, T0 + 1, 'sig-again'),
      // The next event looks the order up again, books its fill, and ETH trades.
      signal('sell', 50, T0 + 2, 'sig-eth', 'ETH'),
    ]);
    expect(exchange.placeCalls).to.equal(2);
    expect(run.state().counters.rejections).to.deep.equal({ 'order-in-flight': 1 });
    expect(run.ofType(TradeExecuted.type).map((t) => t.data.clientOrderId)).to.deep.equal([id, clientOrderId('sig-eth', 'entry')]);
    expect(run.state().book['SOL']!.size).to.equal(20);
    expect(run.state().orders).to.deep.equal({});
  });

  it('kill switch: keeps trying until flat, even with the exchange breaker open', async () => {
    const { exchange, agent } = venue({ exchangeBreaker: { failureThreshold: 2, windowMs: 60_000, openMs: 600_000 }, unresolvedGraceMs: 1000 });
    const run = await runAgent(agent, [signal('buy', 100, T0, 'sig-sol', 'SOL')]);
    exchange.next('lost-request', 'lost-request', 'lost-request');
    const killed = await runAgent(
      agent,
      [
        signal('buy', 100, T0 + 1, 'sig-eth', 'ETH'),
        signal('buy', 100, T0 + 2, 'sig-btc', 'BTC'),
        // Breaker open now. The kill switch's first close is lost on the way.
        command({ action: 'kill-switch', mode: 'activate', by: 'alice', reason: 'venue trouble' }, T0 + 3, 'ks-1'),
        // Still unanswered: no second close while the first may be working.
        command({ action: 'kill-switch', mode: 'activate', by: 'alice', reason: 'again' }, T0 + 500, 'ks-2'),
        // Past the grace period the lost close is not-received, and a new close goes out.
        command({ action: 'kill-switch', mode: 'activate', by: 'alice', reason: 'again' }, T0 + 5000, 'ks-3'),
      ],
      { initial: new Map([['execution', run.state()]]) },
    );
    expect(killed.state().safety.exchangeBreaker.status).to.equal('open');
    expect(killed.state().book['SOL']!.size).to.equal(0);
    expect(exchange.placeCalls).to.equal(5); // SOL entry, 2 lost entries, 1 lost close, 1 close
    expect(killed.ofType(TradeExecuted.type).map((t) => t.data.clientOrderId)).to.deep.equal([clientOrderId('ks-3', 'kill-close:SOL')]);
  });

  it('defers an approval while the token has an order in flight', async () => {
    const { exchange, audit, agent } = venue({ sizing: { ...settings().sizing, fraction: 0.21 } });
    const held = await runAgent(agent, [signal('buy', 100, T0, 'sig-review')]);
    exchange.next('lost-answer').lookupsFail(5);
    // Another order for SOL goes out (a force-close needs a position: use a tiny manual entry instead).
    const busyState: ExecutionState = {
      ...held.state(),
      orders: { 'rg-other': { request: { clientOrderId: 'rg-other', token: 'SOL', side: 'buy', size: 1, price: 100, reduceOnly: false, ts: T0 }, purpose: 'entry', causeId: 'x', correlationId: 'x', status: 'unresolved', filledSize: 0, sentAt: T0 } },
    };
    const id = clientOrderId('sig-review', 'entry');
    const deferred = await runAgent(agent, [command({ action: 'review', clientOrderId: id, decision: 'approve', by: 'alice' }, T0 + 10, 'rv-1')], {
      initial: new Map([['execution', busyState]]),
    });
    expect(exchange.placeCalls).to.equal(0);
    expect(deferred.state().safety.reviews.items.map((i) => i.id)).to.deep.equal([id]);
    expect((await audit.query({ kind: 'review' })).map((r) => `${r.action}:${r.reason}`)).to.deep.equal(['queued:notional-review', 'deferred:reconcile-pending']);
  });

  it('never mutates the state it was given', async () => {
    const before = initialExecutionState(100_000);
    const frozen = JSON.stringify(before);
    await runAgent(venue().agent, [signal('buy', 100, T0, 'sig-pure')], { initial: new Map([['execution', before]]) });
    expect(JSON.stringify(before)).to.equal(frozen);
  });
});

describe('execution agent with its order store down', () => {
  /** Every call fails while it is down, as a journal on an unreachable database does. */
  class FlakyJournal extends MemoryOrderJournal {
    down = false;
    private check(): void {
      if (this.down) throw new Error('connection refused');
    }
    override async begin(...args: Parameters<MemoryOrderJournal['begin']>) {
      this.check();
      return super.begin(...args);
    }
    override async update(...args: Parameters<MemoryOrderJournal['update']>) {
      this.check();
      return super.update(...args);
    }
    override async get(...args: Parameters<MemoryOrderJournal['get']>) {
      this.check();
      return super.get(...args);
    }
    override async inFlight(...args: Parameters<MemoryOrderJournal['inFlight']>) {
      this.check();
      return super.inFlight(...args);
    }
    override async createdSince(...args: Parameters<MemoryOrderJournal['createdSince']>) {
      this.check();
      return super.createdSince(...args);
    }
  }
  class FlakyAudit extends MemoryAuditTrail {
    down = false;
    override async append(...args: Parameters<MemoryAuditTrail['append']>) {
      if (this.down) throw new Error('connection refused');
      return super.append(...args);
    }
  }

  it('sends nothing it cannot journal, opens the store breaker, and probes again later', async () => {
    const exchange = new ScriptedExchange({ slippageBps: 5, feeBps: 4 });
    const journal = new FlakyJournal();
    const audit = new MemoryAuditTrail();
    const agent = executionAgent(settings({ storeBreaker: { failureThreshold: 2, windowMs: 60_000, openMs: 10_000 } }), { exchange, journal, audit });
    journal.down = true;
    const down = await runAgent(agent, [signal('buy', 100, T0, 'sig-1', 'SOL'), signal('buy', 100, T0 + 1, 'sig-2', 'ETH'), signal('buy', 100, T0 + 2, 'sig-3', 'BTC')]);
    expect(exchange.placeCalls).to.equal(0);
    expect(down.state().counters.rejections).to.deep.equal({ 'store-unavailable': 3 });
    expect(down.state().safety.storeBreaker.status).to.equal('open');
    journal.down = false;
    const back = await runAgent(agent, [signal('buy', 100, T0 + 20_000, 'sig-4', 'ARB')], { initial: new Map([['execution', down.state()]]) });
    expect(exchange.placeCalls).to.equal(1);
    expect(back.state().safety.storeBreaker.status).to.equal('closed');
    expect((await audit.query({ kind: 'breaker' })).map((r) => [r.action, r.data['dependency']])).to.deep.equal([
      ['closed->open', 'order-store'],
      ['open->half-open', 'order-store'],
      ['half-open->closed', 'order-store'],
    ]);
  });

  it('commits a kill switch while the journal is down, and closes the position once it is back', async () => {
    const exchange = new ScriptedExchange({ slippageBps: 5, feeBps: 4 });
    const journal = new FlakyJournal();
    const agent = executionAgent(settings(), { exchange, journal, audit: new MemoryAuditTrail() });
    const open = await runAgent(agent, [signal('buy', 100, T0, 'sig-1', 'SOL')]);
    journal.down = true;
    const killed = await runAgent(agent, [command({ action: 'kill-switch', mode: 'activate', by: 'alice', reason: 'db outage drill' }, T0 + 1, 'ks-1')], {
      initial: new Map([['execution', open.state()]]),
    });
    expect(killed.state().safety.killSwitch.active).to.equal(true);
    expect(killed.state().book['SOL']!.size).to.equal(20); // nothing could be journaled, so nothing was sent
    expect(exchange.placeCalls).to.equal(1);
    journal.down = false;
    const flat = await runAgent(agent, [signal('buy', 100, T0 + 2, 'sig-2', 'ETH')], { initial: new Map([['execution', killed.state()]]) });
    expect(flat.state().book['SOL']!.size).to.equal(0);
    expect(flat.state().counters.rejections['kill-switch']).to.equal(1);
  });

  it('keeps audit records while the audit log is down and writes them, once, when it is back', async () => {
    const exchange = new ScriptedExchange({ slippageBps: 5, feeBps: 4 });
    const audit = new FlakyAudit();
    const agent = executionAgent(settings(), { exchange, journal: new MemoryOrderJournal(), audit });
    audit.down = true;
    // Nothing can be put on record before it leaves, so nothing is sent; the decisions wait in the state.
    const down = await runAgent(agent, [signal('buy', 100, T0, 'sig-1', 'SOL')]);
    expect(exchange.placeCalls).to.equal(0);
    expect(down.state().counters.rejections).to.deep.equal({ 'store-unavailable': 1 });
    expect(down.state().pendingAudit.map((r) => `${r.kind}:${r.action}:${r.reason ?? ''}`)).to.include.members(['decision:ALLOW:ok', 'order:sent:', 'decision:REJECT:store-unavailable']);
    audit.down = false;
    const back = await runAgent(agent, [signal('buy', 100, T0 + 1000, 'sig-2', 'ETH')], { initial: new Map([['execution', down.state()]]) });
    expect(back.state().pendingAudit).to.deep.equal([]);
    expect(exchange.placeCalls).to.equal(1);
    const all = await audit.query();
    expect(new Set(all.map((r) => r.id)).size).to.equal(all.length);
    expect(all.filter((r) => r.causeId === 'sig-1').map((r) => `${r.kind}:${r.action}`)).to.deep.equal(['decision:ALLOW', 'order:sent', 'decision:REJECT']);
  });
});

describe('execution agent recovery', () => {
  const recover = (agent: ReturnType<typeof venue>['agent'], state: ExecutionState) => {
    const outbox: Envelope[] = [];
    const ctx = createRecoveryContext('execution:execution', 'execution', 'execution', outbox, silentLogger);
    return agent.recover!(state, ctx).then((s) => ({ s, outbox }));
  };

  it('completes an order sent just before a crash when its signal comes again, as that signal\'s decision, once', async () => {
    const { exchange, journal, audit, agent } = venue();
    exchange.next('crash-after-send');
    let crashed: unknown;
    await runAgent(agent, [signal('buy', 100, T0, 'sig-crash')]).catch((e) => (crashed = e));
    expect(String(crashed)).to.match(/process died/);
    // The state from before the crash (the snapshot) knows nothing of the order; the journal does.
    // Its signal was not handled by that state, so it comes again: the order waits for it.
    const { s, outbox } = await recover(agent, { ...initialExecutionState(100_000), lastEventTs: T0 - 1 });
    expect(outbox.filter((e) => e.type === TradeExecuted.type)).to.deep.equal([]);
    expect(Object.keys(s.awaitingCause)).to.deep.equal([clientOrderId('sig-crash', 'entry')]);
    expect(s.book['SOL']?.size ?? 0, 'the venue position is not adopted ahead of its order').to.equal(0);
    expect(s.reconcilePending).to.equal(false);
    // An ETH signal handled before it (as before the crash) sees the state it saw then.
    const retry = await runAgent(agent, [signal('buy', 50, T0, 'sig-eth', 'ETH'), signal('buy', 100, T0, 'sig-crash')], { initial: new Map([['execution', s]]) });
    expect(exchange.placedCount).to.equal(2);
    expect(retry.ofType(TradeExecuted.type).map((t) => [t.token, t.data.size, t.ts])).to.deep.equal([
      ['ETH', 40, T0],
      ['SOL', 20, T0],
    ]);
    expect(retry.state().book['SOL']!.size).to.equal(20);
    expect(retry.state().awaitingCause).to.deep.equal({});
    // Counted as the order it is (the lost state never counted it), not as a duplicate.
    expect(retry.state().counters).to.deep.include({ orders: 2, duplicates: 0, fills: 2 });
    expect((await journal.get(clientOrderId('sig-crash', 'entry')))!.status).to.equal('filled');
    expect((await audit.query({ kind: 'reconcile' })).map((r) => r.action)).to.deep.equal(['awaiting-cause', 'complete', 'found']);
    expect((await audit.query({ clientOrderId: clientOrderId('sig-crash', 'entry'), kind: 'order' })).map((r) => r.action)).to.include('completed-after-restart');
  });

  it('sends an order journaled just before a crash that the in-process venue never got, when its signal comes again', async () => {
    const { exchange, journal, agent } = venue();
    const request = { clientOrderId: clientOrderId('sig-unsent', 'entry'), token: 'SOL', side: 'buy' as const, size: 20, price: 100, reduceOnly: false, ts: T0 };
    // The process died between the journal write and the venue call.
    await journal.begin({ venue: 'paper', request, causeId: 'sig-unsent', correlationId: 'c', at: T0 });
    const { s } = await recover(agent, { ...initialExecutionState(100_000), lastEventTs: T0 - 1 });
    const retry = await runAgent(agent, [signal('buy', 100, T0, 'sig-unsent')], { initial: new Map([['execution', s]]) });
    expect(exchange.placeCalls).to.equal(1);
    expect(retry.state().book['SOL']!.size).to.equal(20);
    expect(retry.state().counters).to.deep.include({ orders: 1, duplicates: 0, unresolved: 0 });
    expect((await journal.get(request.clientOrderId))!.status).to.equal('filled');
  });

  it('never sends such an order to a remote venue (a request of the dead process may still reach it)', async () => {
    class RemoteVenue extends ScriptedExchange {
      override readonly unknownMeansNeverSent = false;
    }
    const exchange = new RemoteVenue({ slippageBps: 5, feeBps: 4 });
    const journal = new MemoryOrderJournal();
    const agent = executionAgent(settings({ unresolvedGraceMs: 10_000 }), { exchange, journal, audit: new MemoryAuditTrail() });
    const request = { clientOrderId: clientOrderId('sig-unsent', 'entry'), token: 'SOL', side: 'buy' as const, size: 20, price: 100, reduceOnly: false, ts: T0 };
    await journal.begin({ venue: 'paper', request, causeId: 'sig-unsent', correlationId: 'c', at: T0 });
    const { s } = await recover(agent, { ...initialExecutionState(100_000), lastEventTs: T0 - 1 });
    const retry = await runAgent(agent, [signal('buy', 100, T0, 'sig-unsent'), signal('sell', 50, T0 + 10_000, 'sig-eth', 'ETH')], {
      initial: new Map([['execution', s]]),
    });
    expect(exchange.placeCalls, 'only the later ETH entry').to.equal(1);
    expect(retry.state().book['SOL']?.size ?? 0).to.equal(0);
    expect((await journal.get(request.clientOrderId))!.status).to.equal('not-received');
  });

  it('books an order sent just before a crash whose signal never comes again once the grace period has passed', async () => {
    const { exchange, agent } = venue({ unresolvedGraceMs: 10_000 });
    exchange.next('crash-after-send');
    await runAgent(agent, [signal('buy', 100, T0, 'sig-lost')]).catch(() => undefined);
    const { s } = await recover(agent, { ...initialExecutionState(100_000), lastEventTs: T0 - 1 });
    const within = await runAgent(agent, [signal('sell', 50, T0 + 5_000, 'sig-eth-1', 'ETH')], { initial: new Map([['execution', s]]) });
    expect(within.state().book['SOL']?.size ?? 0).to.equal(0);
    const after = await runAgent(agent, [signal('sell', 50, T0 + 10_000, 'sig-eth-2', 'ETH')], { initial: new Map([['execution', within.state()]]) });
    expect(after.state().awaitingCause).to.deep.equal({});
    expect(after.state().book['SOL']!.size).to.equal(20);
    expect(after.ofType(TradeExecuted.type).map((t) => t.token)).to.include('SOL');
    // The signal arriving after all decides nothing anew: still the one order.
    const late = await runAgent(agent, [signal('buy', 100, T0, 'sig-lost')], { initial: new Map([['execution', after.state()]]) });
    expect(exchange.placedCount).to.equal(2); // the lost order and the first ETH entry
    expect(late.state().book['SOL']!.size).to.equal(20);
    expect(late.ofType(TradeExecuted.type)).to.deep.equal([]);
  });

  it('refuses new entries while the venue cannot be asked, and reconciles on a later event', async () => {
    const { exchange, agent } = venue();
    exchange.next('crash-after-send');
    await runAgent(agent, [signal('buy', 100, T0, 'sig-x')]).catch(() => undefined);
    exchange.lookupsFail(2);
    // An order in flight from before the state's last event: looked up at once, not left to a cause.
    const { s } = await recover(agent, { ...initialExecutionState(100_000), lastEventTs: T0 + 1 });
    expect(s.reconcilePending).to.equal(true);
    const later = await runAgent(agent, [signal('sell', 50, T0 + 1000, 'sig-eth', 'ETH')], { initial: new Map([['execution', s]]) });
    // Reconciled first (the venue answers again), then the ETH entry goes through.
    expect(later.state().reconcilePending).to.equal(false);
    expect(later.ofType(TradeExecuted.type).map((t) => t.token)).to.deep.equal(['SOL', 'ETH']);
  });

  it('leaves alone a venue holding in a token this deployment does not trade', async () => {
    const exchange = new ScriptedExchange({ slippageBps: 5, feeBps: 4 });
    const audit = new MemoryAuditTrail();
    const agent = executionAgent(settings(), { exchange, journal: new MemoryOrderJournal(), audit }, { tokens: ['SOL', 'ETH'] });
    await exchange.place({ clientOrderId: 'manual-bnb', token: 'BNB', side: 'buy', size: 3, price: 500, reduceOnly: false, ts: T0 });
    await exchange.place({ clientOrderId: 'manual-eth', token: 'ETH', side: 'buy', size: 1, price: 3000, reduceOnly: false, ts: T0 });
    const outbox: Envelope[] = [];
    const s = await agent.recover!(initialExecutionState(100_000), createRecoveryContext('execution:execution', 'execution', 'execution', outbox, silentLogger));
    expect(s.book['BNB']).to.equal(undefined);
    expect(s.book['ETH']).to.deep.include({ size: 1 });
    expect((await audit.query({ kind: 'reconcile' })).map((r) => `${r.action}:${r.token ?? ''}`)).to.deep.equal(['position-untracked:BNB', 'position-adopted:ETH', 'complete:']);
  });

  it('takes the venue position as the truth when the book differs', async () => {
    const { exchange, audit, agent } = venue();
    await exchange.place({ clientOrderId: 'manual-1', token: 'BTC', side: 'buy', size: 2, price: 100, reduceOnly: false, ts: T0 });
    const { s } = await recover(agent, initialExecutionState(100_000));
    expect(s.book['BTC']).to.deep.include({ size: 2 });
    expect((await audit.query({ kind: 'reconcile' })).map((r) => `${r.action}:${r.token ?? ''}`)).to.deep.equal(['position-adopted:BTC', 'complete:']);
  });
});
