#!/usr/bin/env node
// `npm start`: runs Regent, prints a progress line while it runs and a summary table at the end
// (Ctrl-C, --duration or --events). Exit codes: 0 done, 1 runtime failure, 2 bad flags or config
// (a feed file that cannot be read included), 3 the feed ended before the --events count.
import { writeFileSync } from 'node:fs';
import { ConfigError } from '../config/config-error.js';
import type { Config } from '../config/schema.js';
import { loadConfig } from '../config/load.js';
import { MissingSecretsError, SecretFileError, SecretValueError } from '../config/secrets.js';
import { feedFileProblem } from '../adapters/feeds/feed-file.js';
import { parseCliArgs, usage } from './cli-args.js';
import { VENUE_SECRETS } from './compose-exchange.js';
import { chooseLogOutput, createOutputLogger, currentTerminal } from './logger.js';
import { startRun } from './run.js';
import { formatSummary } from './summary.js';
import { DeploymentConflictError } from './deployment.js';
import { confirmFresh } from './confirm-fresh.js';

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
  if (args.fresh && !args.yes && !(await confirmFresh(config))) {
    process.stderr.write('regent: not erased; nothing was started\n');
    return 2;
  }
  // Before startRun, which arms the --duration timer: a run that lasted the duration was ended by it.
  const launched = Date.now();
  let fatal: Error | undefined;
  let run;
  try {
    run = await startRun(config, { logger, fresh: args.fresh, onFatal: (e) => (fatal = e) });
  } catch (err) {
    if (err instanceof DeploymentConflictError) {
      process.stderr.write(`regent: cannot start: ${err.message}\n`);
      logger.flush();
      return err.exitCode;
    }
    if (err instanceof MissingSecretsError || err instanceof SecretFileError || err instanceof SecretValueError) {
      const venueSecrets: readonly string[] = VENUE_SECRETS[config.exchange.kind];
      const forVenue = err instanceof MissingSecretsError || venueSecrets.includes(err.secret);
      process.stderr.write(`regent: cannot start${forVenue ? ` the ${config.exchange.kind} exchange` : ''}: ${err.message}\n`);
      logger.flush();
      return err.exitCode;
    }
    logger.fatal({ err }, 'start failed');
    process.stderr.write(`regent: could not start: ${(err as Error).message}\n`);
    logger.flush();
    return 1;
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

  // npm forwards the terminal's Ctrl-C too, so a signal may arrive twice: the first one starts
  // the drain, repeats are ignored (SIGKILL remains for the impatient).
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the feed, draining the pipeline...\n`);
    run.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

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

  try {
    const summary = await run.done;
    clearInterval(progress);
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
    const endedByTime = config.durationSec !== undefined && Date.now() - launched >= config.durationSec * 1000;
    if (config.events !== undefined && summary.feedEvents < config.events && !stopping && !endedByTime) {
      feedShort = `the feed ended after ${summary.feedEvents} of the ${config.events} events asked for (--events ${config.events})`;
    } else if (summary.feedEvents === 0) {
      process.stderr.write('regent: warning: the feed had no events\n');
    }
  } catch (err) {
    clearInterval(progress);
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
  },
  (err) => {
    process.stderr.write(`regent: ${(err as Error).stack ?? err}\n`);
    process.exitCode = 1;
  },
);

function venueLabel(config: Config): string {
  const x = config.exchange;
  return x.kind === 'paper' ? 'paper exchange' : `${x.kind} ${x.testnet ? 'testnet' : 'MAINNET'}`;
}
