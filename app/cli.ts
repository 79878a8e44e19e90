#!/usr/bin/env node
// `npm start`: runs Regent, prints a progress line while it runs and a summary table at the end
// (Ctrl-C, --duration or --events). A second Ctrl-C / SIGTERM during the drain stops at once.
// Exit codes: 0 done (also a start abandoned on a signal: nothing ran), 1 runtime failure or a
// failed start (a store that cannot be reached, a Kafka broker refusing the TLS settings or the SASL
// password included), 2 bad flags or config (a feed file or Kafka TLS file that cannot be read, a
// missing secret included), 3 the feed ended before the --events count, 4 the stop gave up before
// it finished (shutdown.deadlineMs passed, or a second signal): it names the events not stored.
import { writeFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { ConfigError } from '../config/config-error.js';
import type { Config } from '../config/schema.js';
import { loadConfig } from '../config/load.js';
import { MissingSecretsError, SecretFileError, SecretValueError } from '../config/secrets.js';
import { feedFileProblem } from '../adapters/feeds/feed-file.js';
import { parseCliArgs, usage } from './cli-args.js';
import { VENUE_SECRETS } from './compose-exchange.js';
import { KAFKA_SECRETS } from './compose-kafka-security.js';
import { SettingFileError } from '../config/setting-file-error.js';
import { KafkaTlsError } from '../adapters/eventlog/kafka/tls-check.js';
import { chooseLogOutput, createOutputLogger, currentTerminal } from '../runtime/observe/logger.js';
import { startRun, type RunHandle } from './run.js';
import { formatSummary, type RunSummary } from './summary.js';
import { DeploymentConflictError } from './deployment.js';
import { confirmFresh } from './confirm-fresh.js';
import { supervisionTreeText } from './print-tree.js';
import { EventLogUnreachableError, TopicCatalogMismatchError } from '../runtime/ports/event-log.js';
import { IdempotentProducerError } from '../adapters/eventlog/kafka/kafka-event-log.js';
import { StoreUnreachableError } from '../runtime/ports/store-unreachable.js';
import { ShutdownIncompleteError, StartInterruptedError } from './shutdown.js';

/** Under npm one Ctrl-C arrives twice (the terminal's and npm's forwarded copy), this close together. */
const NPM_DUPLICATE_MS = 1000;
/** After the end, how long the process may take to exit by itself before it is ended. */
const STILL_BUSY_MS = 3000;

let ended = false;

async function main(argv: string[]): Promise<number> {
  const args = parseCliArgs(argv);
  if (args.help) {
    process.stdout.write(usage);
    return 0;
  }
  let config;
  try {
    config = loadConfig({
      ...(args.configFile ? { file: args.configFile } : {}),
      overrides: args.overrides,
      overrideOrigins: args.origins,
      problems: args.problems,
    });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // Flags are the only overrides here: when one is at fault, show what the flags are.
    const flagAtFault = err.issues.some((issue) => issue.source === 'override');
    process.stderr.write(`regent: ${err.message}\n${flagAtFault ? `\n${usage}` : ''}`);
    return err.exitCode;
  }
  const feedProblem = feedFileProblem(config.feed);
  if (feedProblem) {
    process.stderr.write(`regent: feed file ${config.feed.path} (feed.path): ${feedProblem}\n`);
    return 2;
  }

  const logger = createOutputLogger(chooseLogOutput({ format: config.logFormat, level: config.logLevel }, currentTerminal()));
  if (args.printTree) {
    try {
      process.stdout.write(await supervisionTreeText(config, logger));
      return 0;
    } catch (err) {
      return startFailure(err, config, logger);
    }
  }
  if (args.fresh && !args.yes && !(await confirmFresh(config))) {
    process.stderr.write('regent: not erased; nothing was started\n');
    return 2;
  }
  // Signals are handled from here on: during start-up the first one abandons the start; while
  // running it starts the drain; a second one gives the drain up (exit 4, naming what was not stored).
  const starting = new AbortController();
  let run: RunHandle | undefined;
  let stopping: NodeJS.Signals | undefined;
  let lastSignalAt = 0;
  const underNpm = process.env['npm_lifecycle_event'] !== undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (ended) process.exit(process.exitCode ?? 1); // the run ended and something still holds the process
    const now = Date.now();
    const duplicate = underNpm && now - lastSignalAt < NPM_DUPLICATE_MS;
    lastSignalAt = now;
    if (!stopping) {
      stopping = signal;
      if (!run) {
        starting.abort(signal);
        return;
      }
      process.stdout.write(`\n${signal}: stopping the feed, draining the pipeline (${signal} again stops at once)...\n`);
      run.stop();
      return;
    }
    if (duplicate) return;
    if (run) {
      run.forceStop(`${signal} again`);
      return;
    }
    process.stderr.write(`regent: ${signal} again during start-up: exiting without closing the connections\n`);
    logger.flush();
    process.exit(4);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  // Before startRun, which arms the --duration timer: a run that lasted the duration was ended by it.
  const launched = Date.now();
  let fatal: Error | undefined;
  try {
    run = await startRun(config, { logger, fresh: args.fresh, signal: starting.signal, onFatal: (e) => (fatal = e) });
  } catch (err) {
    return startFailure(err, config, logger);
  }
  const { runtime, pump } = run.regent;
  const port = run.regent.httpPort();
  const limits = [config.events !== undefined ? `${config.events} events` : '', config.durationSec !== undefined ? `${config.durationSec} s` : '']
    .filter(Boolean)
    .join(', ');
  process.stdout.write(
    `Regent running: seed ${config.seed}, ${config.feed.kind} feed (${config.feed.tokens.join(', ')}), ${venueLabel(config)}` +
      `${limits ? `, stopping after ${limits}` : ', Ctrl-C to stop'}` +
      `${port !== undefined ? `\nops: http://${config.http.host}:${port}/metrics  /healthz  /readyz` : ''}\n`,
  );
  if (run.deployment.mode !== 'ephemeral') process.stdout.write(`${run.deployment.message}\n`);
  // A signal that came as the start finished: the run already stops before its first event.
  if (stopping) process.stdout.write(`\n${stopping}: stopping the feed, draining the pipeline (${stopping} again stops at once)...\n`);

  const started = Date.now();
  let feedShort: string | undefined;
  const tty = process.stdout.isTTY === true;
  let lastLine = 0;
  const progress = setInterval(async () => {
    const elapsed = (Date.now() - started) / 1000;
    if (!tty && Date.now() - lastLine < 5000) return;
    lastLine = Date.now();
    const signals = await runtime.metrics.total(runtime.metrics.published, { topic: 'signal.generated' });
    const fills = await runtime.metrics.total(runtime.metrics.published, { topic: 'trade.executed' });
    const dead = await runtime.metrics.total(runtime.metrics.deadLetters);
    const load = [...runtime.registry.load().values()].reduce((a, b) => ({ actors: a.actors + b.actors, depth: a.depth + b.depth }), { actors: 0, depth: 0 });
    const line =
      `[${elapsed.toFixed(1).padStart(6)}s] events ${pump.produced.toLocaleString('en-US')} ` +
      `(${Math.round(pump.produced / Math.max(elapsed, 0.001)).toLocaleString('en-US')}/s) | signals ${signals} fills ${fills} ` +
      `| actors ${load.actors} mailbox ${load.depth} | restarts ${runtime.restarts.length} | dead letters ${dead}`;
    process.stdout.write(tty ? `\r${line}` : `${line}\n`);
  }, 1000);

  const printSummary = (summary: RunSummary) => {
    if (pump.resumedAfter > 0) {
      process.stdout.write(`${tty ? '\n' : ''}the feed resumed after ${pump.resumedAfter.toLocaleString('en-US')} event(s) an earlier start had already logged\n`);
    }
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(`${tty ? '\n' : ''}${formatSummary(summary)}`);
    process.stdout.write(`\n${summary.feedEvents.toLocaleString('en-US')} feed events in ${seconds.toFixed(2)} s (${Math.round(summary.feedEvents / seconds).toLocaleString('en-US')} events/s)\n`);
    if (args.summaryJson) {
      writeFileSync(args.summaryJson, JSON.stringify(summary, null, 2) + '\n');
      process.stdout.write(`summary written to ${args.summaryJson}\n`);
    }
  };

  try {
    const summary = await run.done;
    clearInterval(progress);
    printSummary(summary);
    const endedByTime = config.durationSec !== undefined && Date.now() - launched >= config.durationSec * 1000;
    if (config.events !== undefined && summary.feedEvents < config.events && !stopping && !endedByTime) {
      feedShort = `the feed ended after ${summary.feedEvents} of the ${config.events} events asked for (--events ${config.events})`;
    } else if (summary.feedEvents === 0) {
      process.stderr.write('regent: warning: the feed had no events\n');
    }
  } catch (err) {
    clearInterval(progress);
    if (err instanceof ShutdownIncompleteError) {
      if (err.summary) printSummary(err.summary);
      else if (tty) process.stdout.write('\n');
      if (fatal) process.stderr.write(`regent: ${fatal.message}\n`);
      process.stderr.write(`regent: ${err.message}\n`);
      return err.exitCode;
    }
    logger.fatal({ err }, 'run failed');
    process.stderr.write(`regent: run failed: ${(err as Error).message}\n`);
    return 1;
  } finally {
    logger.flush();
  }
  if (fatal) {
    process.stderr.write(`regent: ${fatal.message}\n`);
    return 1;
  }
  if (feedShort) {
    process.stderr.write(`regent: ${feedShort}\n`);
    return 3;
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    exitIfStillBusy();
  },
  (err) => {
    process.stderr.write(`regent: ${(err as Error).stack ?? err}\n`);
    process.exitCode = 1;
    exitIfStillBusy();
  },
);

/**
 * Everything is closed by now, so the process ends by itself. Should something still hold it (a
 * bug: a timer or socket nobody closed), it says what and exits rather than living on.
 */
function exitIfStillBusy(): void {
  ended = true;
  const timer = setTimeout(() => {
    const holding = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    process.stderr.write(`regent: still busy ${STILL_BUSY_MS} ms after the end (${holding.join(', ')}); exiting\n`);
    process.exit(process.exitCode ?? 1);
  }, STILL_BUSY_MS);
  timer.unref();
}

function venueLabel(config: Config): string {
  const x = config.exchange;
  return x.kind === 'paper' ? 'paper exchange' : `${x.kind} ${x.testnet ? 'testnet' : 'MAINNET'}`;
}

/** What a failed start prints, and its exit code. */
function startFailure(err: unknown, config: Config, logger: Logger): number {
  if (err instanceof StartInterruptedError) {
    process.stderr.write(`regent: ${err.message}\n`);
    logger.flush();
    return 0;
  }
  if (err instanceof StoreUnreachableError || err instanceof EventLogUnreachableError || err instanceof KafkaTlsError || err instanceof IdempotentProducerError) {
    process.stderr.write(`regent: cannot start: ${err.message}\n`);
    logger.flush();
    return 1;
  }
  if (err instanceof DeploymentConflictError || err instanceof TopicCatalogMismatchError) {
    process.stderr.write(`regent: cannot start: ${err.message}\n`);
    logger.flush();
    return err.exitCode;
  }
  if (err instanceof MissingSecretsError || err instanceof SecretFileError || err instanceof SecretValueError) {
    const venueSecrets: readonly string[] = VENUE_SECRETS[config.exchange.kind];
    const names = err instanceof MissingSecretsError ? err.missing : [err.secret];
    const part = names.every((name) => venueSecrets.includes(name))
      ? ` the ${config.exchange.kind} exchange`
      : names.every((name) => KAFKA_SECRETS.includes(name))
        ? ' the Kafka event log'
        : '';
    process.stderr.write(`regent: cannot start${part}: ${err.message}\n`);
    logger.flush();
    return err.exitCode;
  }
  if (err instanceof SettingFileError) {
    process.stderr.write(`regent: cannot start: ${err.message}\n`);
    logger.flush();
    return err.exitCode;
  }
  logger.fatal({ err }, 'start failed');
  process.stderr.write(`regent: could not start: ${(err as Error).message}\n`);
  logger.flush();
  return 1;
}
