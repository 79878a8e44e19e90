// Logs (pino) on stderr, never blocking the hot path: JSON through an asynchronous destination, or
// a readable one-line form formatted by pino-pretty in a worker thread. stdout stays free for the
// CLI's progress and summary. Both forms flush what is pending when the process exits.
import { fileURLToPath } from 'node:url';
import pino, { type Logger, type LevelWithSilent, type LoggerOptions } from 'pino';
import { REDACT_PATHS } from './logger-redaction.js';
import type { PrettyTransportOptions } from './logger-pretty-transport.js';

export type LogFormat = 'auto' | 'json' | 'pretty';

/** Where stderr and stdout go: what `auto` and the readable form adapt to. */
export interface Terminal {
  readonly stderrIsTTY: boolean;
  readonly stdoutIsTTY: boolean;
  /** NO_COLOR is set (https://no-color.org). */
  readonly noColor: boolean;
}

export interface LogOutput {
  readonly format: 'json' | 'pretty';
  readonly level: LevelWithSilent;
  readonly pretty: PrettyTransportOptions;
}

/**
 * `auto` is readable on a terminal and JSON otherwise (pipes, files, containers). Without an
 * explicit level, the readable form shows warn and above (a person is watching the progress line),
 * JSON shows info (a collector is reading).
 */
export function chooseLogOutput(settings: { readonly format: LogFormat; readonly level?: LevelWithSilent | undefined }, terminal: Terminal): LogOutput {
  const format = settings.format === 'auto' ? (terminal.stderrIsTTY ? 'pretty' : 'json') : settings.format;
  return {
    format,
    level: settings.level ?? (format === 'pretty' ? 'warn' : 'info'),
    pretty: {
      // The progress line on stdout is redrawn in place with `\r` and no newline; a log line on
      // the same terminal would be glued to its end, so it clears that row first.
      clearLine: terminal.stderrIsTTY && terminal.stdoutIsTTY,
      colorize: terminal.stderrIsTTY && !terminal.noColor,
    },
  };
}

export function currentTerminal(): Terminal {
  return {
    stderrIsTTY: process.stderr.isTTY === true,
    stdoutIsTTY: process.stdout.isTTY === true,
    noColor: process.env['NO_COLOR'] !== undefined,
  };
}

function options(level: LevelWithSilent): LoggerOptions {
  return {
    level,
    base: { service: 'regent' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
  };
}

/** JSON lines, to `destination` or asynchronously to stderr. */
export function createLogger(level: LevelWithSilent = 'info', destination?: pino.DestinationStream): Logger {
  return pino(options(level), destination ?? pino.destination({ fd: 2, sync: false }));
}

/** The logger a CLI run asked for (format and level settings) on the terminal it runs in. */
export function createOutputLogger(output: LogOutput): Logger {
  if (output.format === 'json') return createLogger(output.level);
  // A worker thread formats and writes; the main thread only serialises and hands over. pino
  // registers an exit hook that waits for the worker to write what it was given.
  const transport = pino.transport({ target: prettyTransportPath, options: output.pretty });
  return pino(options(output.level), transport);
}

const prettyTransportPath = fileURLToPath(new URL('./logger-pretty-transport.js', import.meta.url));

