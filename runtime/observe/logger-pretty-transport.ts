// The readable log form, run by pino in a worker thread (pino.transport): pino-pretty, one line
// per record (an error's stack still follows it), written synchronously to stderr from the worker
// so a line the worker was handed is on the terminal before the process exits.
import { Writable } from 'node:stream';
import pino from 'pino';
import build from 'pino-pretty';

export interface PrettyTransportOptions {
  /** Start each line by clearing the terminal row (where stdout's progress line is drawn). */
  readonly clearLine: boolean;
  readonly colorize: boolean;
}

const CLEAR_ROW = '\r\x1b[2K';

export default function prettyTransport(options: PrettyTransportOptions): ReturnType<typeof build> {
  const stderr = pino.destination({ fd: 2, sync: true });
  const destination = options.clearLine
    ? new Writable({
        write(chunk: Buffer | string, _encoding, callback) {
          stderr.write(CLEAR_ROW + chunk.toString());
          callback();
        },
        final(callback) {
          stderr.end();
          callback();
        },
      })
    : stderr;
  return build({
    destination,
    colorize: options.colorize,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
  });
}
