// Command-line flags of `npm start`, parsed strictly: an unknown flag or a bad value is an error
// with the usage text, exit code 2. Flags become config overrides (highest precedence).
import { parseArgs } from 'node:util';
import type { ConfigOverrides } from '../config/load.js';

export const usage = `Usage: npm start -- [options]

Runs Regent on the embedded default (in-process log, in-memory state, synthetic feed, paper
exchange) unless configured otherwise (REGENT_* environment, --config file).

Options:
  --seed <n>             seed for the feed and every random choice (default 42)
  --events <n>           stop after the feed produced n events, then drain and summarise
  --duration <seconds>   stop after this many seconds, then drain and summarise
  --summary-json <file>  also write the summary as JSON
  --config <file>        JSON or YAML settings file (also REGENT_CONFIG)
  --feed <kind>          synthetic | csv | jsonl
  --feed-path <file>     file for the csv and jsonl feeds
  --tokens <list>        comma-separated tokens for the synthetic feed
  --rate <n>             pace the feed at n events per second (default: as fast as it goes)
  --kafka <brokers>      run on Kafka: host:port[,host:port] (default: the in-process log)
  --store <kind>         none | postgres: persist every event (REGENT_STORE__URL, default local)
  --state <kind>         memory | redis: where actor snapshots live (REGENT_STATE__URL)
  --exchange <kind>      paper | hyperliquid | binance (default paper; real venues need credentials:
                         HYPERLIQUID_PRIVATE_KEY, or BINANCE_API_KEY and BINANCE_API_SECRET,
                         from the environment or NAME_FILE; never from flags or config files)
  --testnet              trade on the venue's testnet (the default for real venues)
  --mainnet              trade real money on the venue's mainnet
  --log-level <level>    fatal | error | warn | info | debug | trace | silent (logs go to stderr;
                         default warn for the readable form, info for JSON)
  --log-format <format>  auto | json | pretty (default auto: one readable line per log when stderr
                         is a terminal, JSON lines otherwise)
  --http-port <port>     port for /metrics, /healthz, /readyz (0 = any free port)
  --no-http              do not serve /metrics, /healthz, /readyz
  -h, --help             show this text
`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = 2;
}

export interface CliArgs {
  readonly help: boolean;
  readonly configFile?: string;
  readonly summaryJson?: string;
  readonly overrides: ConfigOverrides;
}

function number(flag: string, raw: string | undefined, integer: boolean): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${flag} expects ${integer ? 'an integer' : 'a number'}, got "${raw}"`);
  }
  return n;
}

export function parseCliArgs(argv: readonly string[]): CliArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        seed: { type: 'string' },
        events: { type: 'string' },
        duration: { type: 'string' },
        'summary-json': { type: 'string' },
        config: { type: 'string' },
        feed: { type: 'string' },
        'feed-path': { type: 'string' },
        tokens: { type: 'string' },
        rate: { type: 'string' },
        store: { type: 'string' },
        kafka: { type: 'string' },
        state: { type: 'string' },
        exchange: { type: 'string' },
        testnet: { type: 'boolean' },
        mainnet: { type: 'boolean' },
        'log-level': { type: 'string' },
        'log-format': { type: 'string' },
        'http-port': { type: 'string' },
        'no-http': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const seed = number('seed', values.seed, true);
  const events = number('events', values.events, true);
  const durationSec = number('duration', values.duration, false);
  const rate = number('rate', values.rate, false);
  const port = number('http-port', values['http-port'], true);
  const feed = {
    ...(values.feed !== undefined ? { kind: values.feed as never } : {}),
    ...(values['feed-path'] !== undefined ? { path: values['feed-path'] } : {}),
    ...(values.tokens !== undefined ? { tokens: values.tokens.split(',').map((t) => t.trim()).filter(Boolean) } : {}),
    ...(rate !== undefined ? { ratePerSec: rate } : {}),
  };
  const http = {
    ...(port !== undefined ? { port } : {}),
    ...(values['no-http'] ? { enabled: false } : {}),
  };
  if (values.testnet && values.mainnet) throw new UsageError('--testnet and --mainnet exclude each other');
  const exchange = {
    ...(values.exchange !== undefined ? { kind: values.exchange as never } : {}),
    ...(values.testnet ? { testnet: true } : {}),
    ...(values.mainnet ? { testnet: false } : {}),
  };
  const overrides: ConfigOverrides = {
    ...(seed !== undefined ? { seed } : {}),
    ...(events !== undefined ? { events } : {}),
    ...(durationSec !== undefined ? { durationSec } : {}),
    ...(values['log-level'] !== undefined ? { logLevel: values['log-level'] as never } : {}),
    ...(values['log-format'] !== undefined ? { logFormat: values['log-format'] as never } : {}),
    ...(Object.keys(feed).length ? { feed } : {}),
    ...(Object.keys(http).length ? { http } : {}),
    ...(values.store !== undefined ? { store: { kind: values.store as never } } : {}),
    ...(values.kafka !== undefined ? { eventLog: { kind: 'kafka' as const, brokers: values.kafka.split(',').map((b) => b.trim()).filter(Boolean) } } : {}),
    ...(values.state !== undefined ? { state: { kind: values.state as never } } : {}),
    ...(Object.keys(exchange).length ? { exchange } : {}),
  };
  return {
    help: values.help ?? false,
    ...(values.config !== undefined ? { configFile: values.config } : {}),
    ...(values['summary-json'] !== undefined ? { summaryJson: values['summary-json'] } : {}),
    overrides,
  };
}
