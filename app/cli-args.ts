// Command-line flags of `npm start`, parsed strictly. Flags become config overrides (highest
// precedence) and are validated with the rest of the configuration, so a bad flag value is listed
// with the bad variables and file settings in one error (exit code 2), naming the flag.
import { parseArgs } from 'node:util';
import type { ConfigIssue } from '../config/config-error.js';
import { parseDecimal } from '../config/decimal.js';
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
  --tokens <list>        comma-separated tokens traded: the synthetic feed's, and the only ones
                         a csv or jsonl feed may carry (default BTC,ETH,SOL,ARB,DOGE)
  --rate <n>             pace the feed at n events per second (default: as fast as it goes)
  --kafka <brokers>      run on Kafka: host:port[,host:port] (default: the in-process log); TLS and
                         SASL from REGENT_EVENT_LOG__TLS__*, REGENT_EVENT_LOG__SASL__* and the
                         password from KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE
  --no-create-topics     on Kafka: do not create missing topics, only check that the catalog's
                         topics exist with their partition counts
  --store <kind>         none | postgres: persist every event (REGENT_STORE__URL, default local)
  --state <kind>         memory | redis: where actor snapshots live (REGENT_STATE__URL)
  --exchange <kind>      paper | hyperliquid | binance (default paper; real venues need credentials:
                         HYPERLIQUID_PRIVATE_KEY, or BINANCE_API_KEY and BINANCE_API_SECRET,
                         from the environment or NAME_FILE; never from flags or config files)
  --testnet              trade on the venue's testnet (the default for real venues)
  --mainnet              trade real money on the venue's mainnet
  --fresh                erase what --store / --state hold for this deployment first (events,
                         offsets, orders, audit log, snapshots); asks for confirmation on a terminal
  --yes                  with --fresh: do not ask
  --log-level <level>    fatal | error | warn | info | debug | trace | silent (logs go to stderr;
                         default warn for the readable form, info for JSON)
  --log-format <format>  auto | json | pretty (default auto: one readable line per log when stderr
                         is a terminal, JSON lines otherwise)
  --http-port <port>     port for /metrics, /healthz, /readyz (0 = any free port)
  --no-http              do not serve /metrics, /healthz, /readyz
  --print-tree           print the supervision tree this configuration runs, then exit
  -h, --help             show this text
`;

export interface CliArgs {
  readonly help: boolean;
  /** Print the supervision tree and exit. */
  readonly printTree: boolean;
  /** Erase the deployment's stores before starting. */
  readonly fresh: boolean;
  /** Skip the confirmation of --fresh. */
  readonly yes: boolean;
  readonly configFile?: string;
  readonly summaryJson?: string;
  readonly overrides: ConfigOverrides;
  /** Dotted setting path -> the flag that set it. */
  readonly origins: ReadonlyMap<string, string>;
  /** What is wrong with the command line itself (an unknown flag, flags that exclude each other). */
  readonly problems: readonly ConfigIssue[];
}

const OPTIONS = {
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
  'no-create-topics': { type: 'boolean' },
  state: { type: 'string' },
  exchange: { type: 'string' },
  testnet: { type: 'boolean' },
  mainnet: { type: 'boolean' },
  'log-level': { type: 'string' },
  'log-format': { type: 'string' },
  'http-port': { type: 'string' },
  'no-http': { type: 'boolean' },
  fresh: { type: 'boolean' },
  yes: { type: 'boolean' },
  'print-tree': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** A decimal number, or the text as given so that validation refuses it naming the flag. */
function numeric(raw: string): number {
  return (parseDecimal(raw) ?? raw) as number;
}

function list(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function commandLineIssue(message: string, path = '', flag?: string): ConfigIssue {
  return { path, expected: 'valid options (see --help)', received: message, source: 'override', ...(flag ? { flag } : {}), message };
}

/** Never throws: what cannot be used is returned in `problems`, to be reported with the rest. */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: OPTIONS }));
  } catch (e) {
    return { help: false, printTree: false, fresh: false, yes: false, overrides: {}, origins: new Map(), problems: [commandLineIssue((e as Error).message)] };
  }
  const overrides: Record<string, unknown> = {};
  const origins = new Map<string, string>();
  const problems: ConfigIssue[] = [];
  const set = (path: string, flag: string, value: unknown): void => {
    const keys = path.split('.');
    let target = overrides;
    for (const key of keys.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
    target[keys[keys.length - 1]!] = value;
    origins.set(path, flag);
  };
  if (values.seed !== undefined) set('seed', '--seed', numeric(values.seed));
  if (values.events !== undefined) set('events', '--events', numeric(values.events));
  if (values.duration !== undefined) set('durationSec', '--duration', numeric(values.duration));
  if (values['log-level'] !== undefined) set('logLevel', '--log-level', values['log-level']);
  if (values['log-format'] !== undefined) set('logFormat', '--log-format', values['log-format']);
  if (values.feed !== undefined) set('feed.kind', '--feed', values.feed);
  if (values['feed-path'] !== undefined) set('feed.path', '--feed-path', values['feed-path']);
  if (values.tokens !== undefined) set('feed.tokens', '--tokens', list(values.tokens));
  if (values.rate !== undefined) set('feed.ratePerSec', '--rate', numeric(values.rate));
  if (values['http-port'] !== undefined) set('http.port', '--http-port', numeric(values['http-port']));
  if (values['no-http']) set('http.enabled', '--no-http', false);
  if (values['no-create-topics']) set('eventLog.createTopics', '--no-create-topics', false);
  if (values.store !== undefined) set('store.kind', '--store', values.store);
  if (values.kafka !== undefined) {
    set('eventLog.kind', '--kafka', 'kafka');
    set('eventLog.brokers', '--kafka', list(values.kafka));
  }
  if (values.state !== undefined) set('state.kind', '--state', values.state);
  if (values.exchange !== undefined) set('exchange.kind', '--exchange', values.exchange);
  if (values.testnet && values.mainnet) {
    problems.push(commandLineIssue('--testnet and --mainnet exclude each other', 'exchange.testnet', '--testnet --mainnet'));
  } else if (values.testnet) set('exchange.testnet', '--testnet', true);
  else if (values.mainnet) set('exchange.testnet', '--mainnet', false);
  return {
    help: values.help ?? false,
    printTree: values['print-tree'] ?? false,
    fresh: values.fresh ?? false,
    yes: values.yes ?? false,
    ...(values.config !== undefined ? { configFile: values.config } : {}),
    ...(values['summary-json'] !== undefined ? { summaryJson: values['summary-json'] } : {}),
    overrides: overrides as ConfigOverrides,
    origins,
    problems,
  };
}
