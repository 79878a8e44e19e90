// JSON logs (pino) on stderr through an asynchronous destination, so logging never blocks the hot
// path; stdout stays free for the CLI's progress and summary.
import pino, { type Logger, type LevelWithSilent } from 'pino';
import { REDACT_PATHS } from './log-redaction.js';

export function createLogger(level: LevelWithSilent = 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    { level, base: { service: 'regent' }, timestamp: pino.stdTimeFunctions.isoTime, redact: { paths: [...REDACT_PATHS], censor: '[redacted]' } },
    destination ?? pino.destination({ fd: 2, sync: false }),
  );
}

export const silentLogger: Logger = pino({ level: 'silent' });
