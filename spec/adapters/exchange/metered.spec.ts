// MeteredExchange: the same answers and errors as the exchange it wraps, with every call timed and
// counted in the registry and logged with the order's ids.
import { Writable } from 'node:stream';
import { expect } from 'chai';
import pino, { type Logger } from 'pino';
import { Counter, Registry } from 'prom-client';
import { defer, Subject, type Observable, type Subscription } from 'rxjs';
import { PaperExchange } from '../../../adapters/exchange/paper.js';
import { MeteredExchange } from '../../../adapters/exchange/metered.js';
import { ExchangeHaltedError, ExchangeUnavailableError, type Exchange, type Fill, type OrderRequest } from '../../../runtime/ports/exchange.js';
import { ScriptedExchange } from '../../support/scripted-exchange.js';
import { waitFor } from '../../support/wait.js';

type LogLine = Record<string, unknown>;

function memoryLogger(level: pino.LevelWithSilent = 'debug'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n')) if (text) lines.push(JSON.parse(text) as LogLine);
      done();
    },
  });
  return { logger: pino({ level, base: undefined, timestamp: false }, sink), lines };
}

/** Sum of a metric's samples whose labels include `labels` (a histogram's `_count` series with suffix). */
async function sample(registry: Registry, name: string, labels: Record<string, string>, series = name): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`metric ${name} is not registered`);
  const { values } = await metric.get();
  return values
    .filter((v) => ((v as { metricName?: string }).metricName ?? name) === series && Object.entries(labels).every(([k, want]) => v.labels[k] === want))
    .reduce((sum, v) => sum + v.value, 0);
}

const outcomes = (registry: Registry, operation: string, outcome: string) =>
  sample(registry, 'regent_exchange_outcomes_total', { venue: 'paper', operation, outcome });
const timed = (registry: Registry, operation: string) =>
  sample(registry, 'regent_exchange_request_seconds', { venue: 'paper', operation }, 'regent_exchange_request_seconds_count');

let sequence = 0;
function request(overrides: Partial<OrderRequest> = {}): OrderRequest {
  sequence += 1;
  return { clientOrderId: `sig-${sequence}`, token: 'SOL', side: 'buy', size: 2, price: 100, reduceOnly: false, ts: 1_700_000_000_000, ...overrides };
}

/** An Exchange that delegates to `inner` but streams `fills` of the test's choosing. */
function withFills(inner: Exchange, fills: Observable<Fill>): Exchange {
  return {
    venue: inner.venue,
    unknownMeansNeverSent: inner.unknownMeansNeverSent,
    place: (o) => inner.place(o),
    cancel: (id, token) => inner.cancel(id, token),
    order: (id, token) => inner.order(id, token),
    openOrders: () => inner.openOrders(),
    positions: () => inner.positions(),
    fills,
    close: () => inner.close(),
  };
}

describe('MeteredExchange', () => {
  const opened: Exchange[] = [];
  const subscriptions: Subscription[] = [];
  let registry: Registry;
  let lines: LogLine[];
  let logger: Logger;

  beforeEach(() => {
    registry = new Registry();
    ({ logger, lines } = memoryLogger());
  });

  afterEach(async () => {
    for (const s of subscriptions.splice(0)) s.unsubscribe();
    for (const x of opened.splice(0)) await x.close();
  });

  function meter<T extends Exchange>(inner: T): { inner: T; metered: MeteredExchange } {
    opened.push(inner);
    return { inner, metered: new MeteredExchange(inner, registry, logger) };
  }

  describe('place', () => {
    it('returns what the wrapped exchange returns, and counts and times a confirmed order', async () => {
      const { metered } = meter(new PaperExchange({ slippageBps: 5, feeBps: 2 }));
      const bare = new PaperExchange({ slippageBps: 5, feeBps: 2 });
      opened.push(bare);
      const order = request();

      const result = await metered.place(order);

      expect(result).to.deep.equal(await bare.place(order));
      expect(result.outcome).to.equal('confirmed');
      expect(await outcomes(registry, 'place', 'confirmed')).to.equal(1);
      expect(await timed(registry, 'place')).to.equal(1);
      expect(metered.venue).to.equal('paper');
    });

    it('writes one debug line with the ids, outcome and duration, and nothing from the request beyond its ids', async () => {
      const { metered } = meter(new PaperExchange());
      const order = request({ clientOrderId: 'sig-debug', token: 'ETH' });

      await metered.place(order);

      expect(lines).to.have.length(1);
      const { durationMs, ...rest } = lines[0]!;
      expect(durationMs).to.be.a('number').and.to.be.at.least(0);
      expect(rest).to.deep.equal({
        level: 20,
        component: 'exchange',
        venue: 'paper',
        clientOrderId: 'sig-debug',
        token: 'ETH',
        operation: 'place',
        outcome: 'confirmed',
        msg: 'exchange place',
      });
    });

    it('counts a rejected order and warns with its reason', async () => {
      const { metered } = meter(new PaperExchange());
      const order = request({ clientOrderId: 'sig-bad', size: -1 });

      const result = await metered.place(order);

      expect(result).to.deep.equal({ outcome: 'rejected', reason: 'invalid size -1: must be a positive finite number' });
      expect(await outcomes(registry, 'place', 'rejected')).to.equal(1);
      expect(await outcomes(registry, 'place', 'confirmed')).to.equal(0);
      const warn = lines.find((l) => l.level === 40);
      expect(warn).to.include({ venue: 'paper', clientOrderId: 'sig-bad', token: 'SOL', operation: 'place', outcome: 'rejected', reason: 'invalid size -1: must be a positive finite number' });
      expect(warn?.durationMs).to.be.a('number');
    });

    it('counts an unresolved order and warns with the reason, passing the outcome through unchanged', async () => {
      const { inner, metered } = meter(new ScriptedExchange().next('lost-answer', 'lost-request'));

      const lost = await metered.place(request({ clientOrderId: 'sig-lost-answer' }));
      const neverSent = await metered.place(request({ clientOrderId: 'sig-lost-request' }));

      expect(lost).to.deep.equal({ outcome: 'unresolved', reason: 'connection reset before the answer' });
      expect(neverSent).to.deep.equal({ outcome: 'unresolved', reason: 'timeout after 5000 ms' });
      expect(inner.placeCalls).to.equal(2);
      expect(await outcomes(registry, 'place', 'unresolved')).to.equal(2);
      expect(await timed(registry, 'place')).to.equal(2);
      const warns = lines.filter((l) => l.level === 40);
      expect(warns.map((w) => [w.clientOrderId, w.outcome, w.reason])).to.deep.equal([
        ['sig-lost-answer', 'unresolved', 'connection reset before the answer'],
        ['sig-lost-request', 'unresolved', 'timeout after 5000 ms'],
      ]);
      for (const w of warns) expect(w).to.include({ venue: 'paper', token: 'SOL', operation: 'place' }).and.to.have.property('durationMs');
    });

    it('rethrows the very error a misbehaving exchange throws, counted as error', async () => {
      const { metered } = meter(new ScriptedExchange().next('crash-after-send'));

      const error = await metered.place(request({ clientOrderId: 'sig-crash' })).then(
        () => undefined,
        (e: unknown) => e,
      );

      expect(error).to.be.instanceOf(Error).and.to.have.property('message', 'process died between sending and the answer');
      expect(await outcomes(registry, 'place', 'error')).to.equal(1);
      expect(await timed(registry, 'place')).to.equal(1);
      const warn = lines.find((l) => l.level === 40);
      expect(warn).to.include({ clientOrderId: 'sig-crash', outcome: 'error', operation: 'place' });
      expect(warn?.err).to.include({ message: 'process died between sending and the answer' });
    });
  });

  describe('cancel', () => {
    it('counts a confirmed cancel and a rejected one, warning only for the rejection', async () => {
      const { metered } = meter(new PaperExchange());
      const bare = new PaperExchange();
      opened.push(bare);
      const order = request({ clientOrderId: 'sig-to-cancel' });
      await metered.place(order);
      await bare.place(order);

      const confirmed = await metered.cancel('sig-to-cancel', 'SOL');
      const rejected = await metered.cancel('sig-unknown', 'SOL');

      expect(confirmed).to.deep.equal(await bare.cancel('sig-to-cancel'));
      expect(rejected).to.deep.equal({ outcome: 'rejected', reason: 'unknown order sig-unknown' });
      expect(await outcomes(registry, 'cancel', 'confirmed')).to.equal(1);
      expect(await outcomes(registry, 'cancel', 'rejected')).to.equal(1);
      expect(await timed(registry, 'cancel')).to.equal(2);
      const warns = lines.filter((l) => l.level === 40);
      expect(warns).to.have.length(1);
      expect(warns[0]).to.include({ clientOrderId: 'sig-unknown', token: 'SOL', operation: 'cancel', outcome: 'rejected', reason: 'unknown order sig-unknown' });
    });
  });

  describe('lookups', () => {
    it('passes order, openOrders and positions through and counts them ok', async () => {
      const { inner, metered } = meter(new PaperExchange({ fillSlices: 2, fillIntervalMs: 60_000 }));
      await metered.place(request({ clientOrderId: 'sig-open' }));

      expect(await metered.order('sig-open', 'SOL')).to.deep.equal(await inner.order('sig-open'));
      expect(await metered.order('sig-never', 'SOL')).to.equal(undefined);
      expect(await metered.openOrders()).to.deep.equal(await inner.openOrders());
      expect(await metered.positions()).to.deep.equal([{ token: 'SOL', size: 1, entryPrice: 100 }]);

      expect(await outcomes(registry, 'order', 'ok')).to.equal(2);
      expect(await outcomes(registry, 'openOrders', 'ok')).to.equal(1);
      expect(await outcomes(registry, 'positions', 'ok')).to.equal(1);
      expect(await timed(registry, 'order')).to.equal(2);
      const orderLines = lines.filter((l) => l.operation === 'order');
      expect(orderLines.map((l) => [l.level, l.clientOrderId, l.token, l.outcome])).to.deep.equal([
        [20, 'sig-open', 'SOL', 'ok'],
        [20, 'sig-never', 'SOL', 'ok'],
      ]);
      expect(lines.filter((l) => l.level !== 20)).to.deep.equal([]);
    });

    it('rethrows ExchangeUnavailableError as is and counts it unavailable', async () => {
      const { metered } = meter(new ScriptedExchange().lookupsFail(2));

      const orderError = await metered.order('sig-x', 'BTC').catch((e: unknown) => e);
      const positionsError = await metered.positions().catch((e: unknown) => e);
      const afterwards = await metered.positions();

      expect(orderError).to.be.instanceOf(ExchangeUnavailableError).and.to.include({ venue: 'paper', message: 'paper: venue did not answer (scripted)' });
      expect(positionsError).to.be.instanceOf(ExchangeUnavailableError);
      expect(afterwards).to.deep.equal([]);
      expect(await outcomes(registry, 'order', 'unavailable')).to.equal(1);
      expect(await outcomes(registry, 'positions', 'unavailable')).to.equal(1);
      expect(await outcomes(registry, 'positions', 'ok')).to.equal(1);
      const warns = lines.filter((l) => l.level === 40);
      expect(warns.map((w) => [w.operation, w.outcome, w.clientOrderId, w.token])).to.deep.equal([
        ['order', 'unavailable', 'sig-x', 'BTC'],
        ['positions', 'unavailable', undefined, undefined],
      ]);
      expect(warns[0]?.err).to.include({ type: 'ExchangeUnavailableError' });
    });

    it('counts ExchangeHaltedError as halted and any other throw as error, logging the halt at error level', async () => {
      const halted = new ExchangeHaltedError('paper', 'IP banned', 60_000);
      const broken = new TypeError('bad venue payload');
      class FailingVenue extends PaperExchange {
        override async openOrders(): Promise<never> {
          throw halted;
        }
        override async positions(): Promise<never> {
          throw broken;
        }
      }
      const { metered } = meter(new FailingVenue());

      expect(await metered.openOrders().catch((e: unknown) => e)).to.equal(halted);
      expect(await metered.positions().catch((e: unknown) => e)).to.equal(broken);

      expect(await outcomes(registry, 'openOrders', 'halted')).to.equal(1);
      expect(await outcomes(registry, 'positions', 'error')).to.equal(1);
      expect(lines.filter((l) => l.level === 50).map((l) => [l.operation, l.outcome])).to.deep.equal([['openOrders', 'halted']]);
      expect(lines.filter((l) => l.level === 40).map((l) => [l.operation, l.outcome])).to.deep.equal([['positions', 'error']]);
    });
  });

  describe('fills', () => {
    it('counts each streamed fill once however many subscribe, with one subscription to the venue', async () => {
      const paper = new PaperExchange({ fillSlices: 3, fillIntervalMs: 1 });
      let venueSubscriptions = 0;
      const { metered } = meter(withFills(paper, defer(() => ((venueSubscriptions += 1), paper.fills))));
      const seenA: Fill[] = [];
      const seenB: Fill[] = [];
      subscriptions.push(metered.fills.subscribe((f) => seenA.push(f)), metered.fills.subscribe((f) => seenB.push(f)));

      await metered.place(request({ clientOrderId: 'sig-sliced', size: 3 }));
      await waitFor('three fills on both subscribers', () => seenA.length === 3 && seenB.length === 3);

      expect(venueSubscriptions).to.equal(1);
      expect(seenA).to.deep.equal(paper.allFills);
      expect(seenB).to.deep.equal(paper.allFills);
      expect(await sample(registry, 'regent_exchange_fills_total', { venue: 'paper' })).to.equal(3);
    });

    it('passes a fill stream failure to subscribers and logs it', async () => {
      const stream = new Subject<Fill>();
      const { metered } = meter(withFills(new PaperExchange(), stream));
      const errors: unknown[] = [];
      subscriptions.push(metered.fills.subscribe({ error: (e: unknown) => errors.push(e) }));
      const failure = new Error('user stream closed by venue');

      stream.error(failure);

      expect(errors).to.deep.equal([failure]);
      expect(lines.find((l) => l.level === 50)).to.include({ venue: 'paper', msg: 'venue fill stream failed' });
    });
  });

  describe('registry and logger', () => {
    it('shares its metrics with another MeteredExchange on the same registry', async () => {
      const first = meter(new PaperExchange()).metered;
      const second = meter(new ScriptedExchange().next('lost-request')).metered;

      await first.place(request());
      await second.place(request());

      expect(await outcomes(registry, 'place', 'confirmed')).to.equal(1);
      expect(await outcomes(registry, 'place', 'unresolved')).to.equal(1);
      expect(await timed(registry, 'place')).to.equal(2);
    });

    it('refuses a registry holding a different kind of metric under one of its names', () => {
      new Counter({ name: 'regent_exchange_request_seconds', help: 'wrong kind', registers: [registry] });
      const paper = new PaperExchange();
      opened.push(paper);

      expect(() => new MeteredExchange(paper, registry, logger)).to.throw(TypeError, /regent_exchange_request_seconds is already registered as a Counter, not a Histogram/);
    });

    it('still counts every call when debug lines are off, and writes none', async () => {
      const quiet = memoryLogger('info');
      const paper = new PaperExchange();
      opened.push(paper);
      const metered = new MeteredExchange(paper, registry, quiet.logger);

      await metered.place(request());
      await metered.positions();

      expect(quiet.lines).to.deep.equal([]);
      expect(await outcomes(registry, 'place', 'confirmed')).to.equal(1);
      expect(await outcomes(registry, 'positions', 'ok')).to.equal(1);
    });
  });

  it('closes the wrapped exchange', async () => {
    const paper = new PaperExchange();
    const metered = new MeteredExchange(paper, registry, logger);
    let completed = false;
    const subscription = paper.fills.subscribe({ complete: () => (completed = true) });

    await metered.close();

    expect(completed).to.equal(true);
    subscription.unsubscribe();
  });
});
