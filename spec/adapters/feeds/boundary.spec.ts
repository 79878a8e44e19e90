// The feed boundary: what a CSV or JSONL file may bring in. Only market data (the configured
// types), plausible prices, known tokens, time that does not go backwards within a token and no
// repeated line; everything else is reported through onError with a reason code, never passed on.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CsvFeed } from '../../../adapters/feeds/csv.js';
import { JsonlFeed } from '../../../adapters/feeds/jsonl.js';
import { createFeed } from '../../../adapters/feeds/index.js';
import type { FeedLineError } from '../../../adapters/shared/line-error.js';
import { configSchema, defaultConfig } from '../../../config/schema.js';
import type { Envelope } from '../../../runtime/events/envelope.js';
import { createLogger } from '../../../runtime/observe/logger.js';

async function collect(iterable: AsyncIterable<Envelope> | Iterable<Envelope>): Promise<Envelope[]> {
  const out: Envelope[] = [];
  for await (const e of iterable) out.push(e);
  return out;
}

const HEADER = 'ts,token,open,high,low,close,volume';
const T0 = 1767225600000;
const row = (minute: number, token: string, close: string, extra = ''): string =>
  `${T0 + minute * 60_000},${token},${close},${close},${close},${close},1${extra}`;

const tick = (second: number, token: string, price: number): string =>
  JSON.stringify({ type: 'price.tick', ts: T0 + second * 1000, token, data: { price, volume: 1 } });

describe('adapters/feeds boundary', () => {
  let dir: string;
  const file = (name: string, lines: readonly string[]): string => {
    const path = join(dir, name);
    writeFileSync(path, lines.join('\n') + (lines.length ? '\n' : ''));
    return path;
  };
  const readCsv = async (lines: readonly string[], options: { tokens?: string[]; maxPriceJump?: number } = {}) => {
    const errors: FeedLineError[] = [];
    const warnings: string[] = [];
    const events = await collect(
      new CsvFeed({ path: file('feed.csv', lines), rules: options, onError: (e) => errors.push(e), onWarning: (w) => warnings.push(w) }).events(),
    );
    return { events, errors, warnings, codes: errors.map((e) => [e.line, e.code]) };
  };
  const readJsonl = async (lines: readonly string[], options: { tokens?: string[]; allowedTypes?: string[] } = {}) => {
    const errors: FeedLineError[] = [];
    const warnings: string[] = [];
    const events = await collect(
      new JsonlFeed({ path: file('feed.jsonl', lines), rules: options as never, onError: (e) => errors.push(e), onWarning: (w) => warnings.push(w) }).events(),
    );
    return { events, errors, warnings, codes: errors.map((e) => [e.line, e.code]) };
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'regent-feed-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('event types', () => {
    it('refuses order commands and executed trades from a JSONL feed with type-not-allowed-from-feed', async () => {
      const { events, errors } = await readJsonl([
        tick(0, 'BTC', 60000),
        JSON.stringify({ type: 'order.command', ts: T0 + 1000, data: { action: 'kill-switch', mode: 'activate', by: 'operator', reason: 'feed' } }),
        JSON.stringify({
          type: 'trade.executed',
          ts: T0 + 2000,
          token: 'BTC',
          data: { clientOrderId: 'x', fillId: 'f', side: 'buy', size: 1000, price: 30000, fee: 0, slippageBps: 0, referencePrice: 30000, reduceOnly: false, venue: 'paper' },
        }),
        tick(3, 'BTC', 60010),
      ]);
      expect(events.map((e) => e.type)).to.deep.equal(['price.tick', 'price.tick']);
      expect(errors.map((e) => [e.line, e.code, e.reason])).to.deep.equal([
        [2, 'type-not-allowed-from-feed', 'type "order.command" is not allowed from a feed (feed.allowedTypes: price.tick, liquidation, sentiment.update)'],
        [3, 'type-not-allowed-from-feed', 'type "trade.executed" is not allowed from a feed (feed.allowedTypes: price.tick, liquidation, sentiment.update)'],
      ]);
    });

    it('refuses a full envelope of a non-market type just the same', async () => {
      const { events, codes } = await readJsonl([
        JSON.stringify({ id: '0b5c7f2e-8a41-5c1e-9d2a-4f1e2c3b4a51', type: 'order.command', ts: T0, source: 'operator', correlationId: 'c', data: { action: 'kill-switch', mode: 'activate', by: 'operator', reason: 'x' } }),
      ]);
      expect(events).to.deep.equal([]);
      expect(codes).to.deep.equal([[1, 'type-not-allowed-from-feed']]);
    });

    it('takes the list from feed.allowedTypes', async () => {
      const { events, codes } = await readJsonl(
        [tick(0, 'SOL', 150), JSON.stringify({ type: 'liquidation', ts: T0 + 1000, token: 'SOL', data: { side: 'long', size: 1, price: 149 } })],
        { allowedTypes: ['price.tick'] },
      );
      expect(events.map((e) => e.type)).to.deep.equal(['price.tick']);
      expect(codes).to.deep.equal([[2, 'type-not-allowed-from-feed']]);
    });

    it('refuses a non-market type in feed.allowedTypes at configuration time', () => {
      expect(configSchema.safeParse({ feed: { allowedTypes: ['order.command'] } }).success).to.equal(false);
      expect(defaultConfig().feed.allowedTypes).to.deep.equal(['price.tick', 'liquidation', 'sentiment.update']);
    });
  });

  describe('prices', () => {
    it('reads only plain decimal prices: hex, exponents and Infinity are implausible-price', async () => {
      const { events, errors } = await readCsv([HEADER, row(0, 'BTC', '60000'), row(1, 'BTC', '0x10'), row(2, 'BTC', '1e300'), row(3, 'BTC', 'Infinity'), row(4, 'BTC', '60010.5')]);
      expect(events.map((e) => (e.data as { price: number }).price)).to.deep.equal([60000, 60010.5]);
      expect(errors.map((e) => [e.line, e.code, e.reason])).to.deep.equal([
        [3, 'implausible-price', 'open "0x10" is not a plain decimal number'],
        [4, 'implausible-price', 'open "1e300" is not a plain decimal number'],
        [5, 'implausible-price', 'open "Infinity" is not a plain decimal number'],
      ]);
    });

    it('refuses a price that jumps more than feed.maxPriceJump from the token\'s last accepted price', async () => {
      const { events, errors } = await readCsv([
        HEADER,
        row(0, 'BTC', '60000'),
        row(1, 'ETH', '3000'),
        row(2, 'BTC', '95000'), // +58 %
        row(3, 'BTC', '89000'), // +48 % from 60000, the last accepted
        row(4, 'ETH', '1400'), // -53 %
        row(5, 'ETH', '0'),
      ]);
      expect(events.map((e) => [e.token, (e.data as { price: number }).price])).to.deep.equal([
        ['BTC', 60000],
        ['ETH', 3000],
        ['BTC', 89000],
      ]);
      expect(errors.map((e) => [e.line, e.code])).to.deep.equal([
        [4, 'implausible-price'],
        [6, 'implausible-price'],
        [7, 'implausible-price'],
      ]);
      expect(errors[0]!.reason).to.equal('price 95000 is 58.3 % from the last BTC price 60000 (feed.maxPriceJump 50 %)');
      expect(errors[2]!.reason).to.equal('price 0 is not positive');
    });

    it('uses a configured maximum jump', async () => {
      const { events } = await readCsv([HEADER, row(0, 'BTC', '60000'), row(1, 'BTC', '95000')], { maxPriceJump: 1 });
      expect(events).to.have.length(2);
    });

    it('checks JSONL prices too: non-positive, implausible jumps, liquidation prices', async () => {
      const { events, codes } = await readJsonl([
        tick(0, 'BTC', 60000),
        tick(1, 'BTC', 1e300),
        JSON.stringify({ type: 'liquidation', ts: T0 + 2000, token: 'BTC', data: { side: 'long', size: 1, price: 6 } }),
        tick(3, 'BTC', -5),
        tick(4, 'BTC', 60100),
      ]);
      expect(events.map((e) => (e.data as { price: number }).price)).to.deep.equal([60000, 60100]);
      expect(codes).to.deep.equal([
        [2, 'implausible-price'],
        [3, 'implausible-price'],
        [4, 'implausible-price'],
      ]);
    });
  });

  describe('rows, tokens, time and repeats', () => {
    it('reports a CSV row with more fields than the header', async () => {
      const { events, errors } = await readCsv([HEADER, row(0, 'BTC', '60000', ',surprise')]);
      expect(events).to.deep.equal([]);
      expect(errors.map((e) => [e.line, e.code, e.reason])).to.deep.equal([[2, 'bad-feed-line', 'row has 8 fields, the header 7 (extra columns)']]);
    });

    it('refuses tokens that are not in feed.tokens, in CSV and JSONL', async () => {
      const csv = await readCsv([HEADER, row(0, 'BTC', '60000'), row(0, 'PEPE', '0.00001')], { tokens: ['BTC'] });
      expect(csv.events.map((e) => e.token)).to.deep.equal(['BTC']);
      expect(csv.errors.map((e) => [e.line, e.code, e.reason])).to.deep.equal([[3, 'unknown-token', 'token "PEPE" is not in feed.tokens (BTC)']]);
      const jsonl = await readJsonl([tick(0, 'BTC', 60000), tick(1, 'PEPE', 1), JSON.stringify({ type: 'price.tick', ts: T0, data: { price: 1 } })], { tokens: ['BTC'] });
      expect(jsonl.events.map((e) => e.token)).to.deep.equal(['BTC']);
      expect(jsonl.codes).to.deep.equal([
        [2, 'unknown-token'],
        [3, 'unknown-token'],
      ]);
    });

    it('refuses a timestamp earlier than the last one of the same token', async () => {
      const { events, errors } = await readCsv([HEADER, row(5, 'BTC', '60000'), row(1, 'ETH', '3000'), row(4, 'BTC', '60010'), row(5, 'BTC', '60020')]);
      expect(events.map((e) => [e.token, (e.data as { price: number }).price])).to.deep.equal([
        ['BTC', 60000],
        ['ETH', 3000],
        ['BTC', 60020],
      ]);
      expect(errors.map((e) => [e.line, e.code, e.reason])).to.deep.equal([
        [4, 'timestamp-backwards', `ts ${T0 + 4 * 60_000} is before the last BTC ts ${T0 + 5 * 60_000}`],
      ]);
      const jsonl = await readJsonl([tick(5, 'BTC', 60000), tick(4, 'BTC', 60000)]);
      expect(jsonl.codes).to.deep.equal([[2, 'timestamp-backwards']]);
    });

    it('reports a repeated record (same token, time, type and data) as duplicate-line and passes it on once', async () => {
      const { events, errors } = await readCsv([HEADER, row(0, 'BTC', '60000'), row(0, 'BTC', '60000'), row(0, 'ETH', '3000'), row(0, 'BTC', '60000'), row(1, 'BTC', '60000')]);
      expect(events.map((e) => [e.token, e.ts])).to.deep.equal([
        ['BTC', T0],
        ['ETH', T0],
        ['BTC', T0 + 60_000],
      ]);
      expect(errors.map((e) => [e.line, e.code])).to.deep.equal([
        [3, 'duplicate-line'],
        [5, 'duplicate-line'],
      ]);
      expect(errors[0]!.reason).to.equal('repeats line 2');
      const jsonl = await readJsonl([tick(0, 'BTC', 60000), tick(0, 'BTC', 60000), tick(0, 'BTC', 60001)]);
      expect(jsonl.events).to.have.length(2);
      expect(jsonl.codes).to.deep.equal([[2, 'duplicate-line']]);
    });

    it('warns about an empty or header-only file', async () => {
      expect((await readCsv([])).warnings).to.deep.equal([`${join(dir, 'feed.csv')}: the file is empty`]);
      expect((await readCsv([HEADER])).warnings).to.deep.equal([`${join(dir, 'feed.csv')}: the file has a header but no rows`]);
      expect((await readJsonl(['', ''])).warnings).to.deep.equal([`${join(dir, 'feed.jsonl')}: the file is empty`]);
      expect((await readCsv([HEADER, row(0, 'BTC', '60000')])).warnings).to.deep.equal([]);
    });
  });

  describe('long lines', () => {
    it('keeps the whole line in the error but never puts more than a few hundred characters in its message', async () => {
      const huge = JSON.stringify({ type: 'x'.repeat(10 * 1024 * 1024), ts: T0, data: {} });
      const { errors } = await readJsonl([huge]);
      expect(errors).to.have.length(1);
      expect(errors[0]!.text).to.have.length(huge.length);
      expect(errors[0]!.message.length).to.be.lessThan(600);
      // The quoted type (with its two quotes) is clipped, with its length.
      expect(errors[0]!.message).to.include(`(${10 * 1024 * 1024 + 2} chars)`);
    });

    it('logs a failed header as a short line, without the line itself', async () => {
      const header = `ts,token,${'open'.repeat(3 * 1024 * 1024)}`;
      const lines: string[] = [];
      const logger = createLogger('info', { write: (l: string) => void lines.push(l) });
      try {
        await collect(new CsvFeed({ path: file('huge-header.csv', [header]) }).events());
        expect.fail('the header should have been refused');
      } catch (err) {
        logger.error({ err }, 'run failed');
      }
      expect(lines).to.have.length(1);
      expect(lines[0]!.length).to.be.lessThan(2000);
      expect(lines[0]).to.include('header lacks column(s)');
    });
  });

  it('applies the configured rules through createFeed', async () => {
    const path = file('rules.csv', [HEADER, row(0, 'BTC', '60000'), row(1, 'ETH', '3000'), row(2, 'BTC', '100000')]);
    const errors: FeedLineError[] = [];
    const feed = createFeed({ ...defaultConfig().feed, kind: 'csv', path, tokens: ['BTC'] }, 1, undefined, (e) => errors.push(e));
    const events = await collect(feed.events());
    expect(events.map((e) => e.token)).to.deep.equal(['BTC']);
    expect(errors.map((e) => e.code)).to.deep.equal(['unknown-token', 'implausible-price']);
  });
});
