// The logger every layer is handed: pino's Logger, and a silent one for when no one listens (tests,
// tools). How the process's logger is made (JSON or readable, redaction) is runtime/observe/logger.
import pino, { type Logger } from 'pino';

export type { Logger };

export const silentLogger: Logger = pino({ level: 'silent' });
