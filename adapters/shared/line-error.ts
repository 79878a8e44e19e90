// A line of a CSV or JSONL feed that could not become an event: which file, which line, why (a
// reason code for the dead letter and a sentence). File feeds hand it to their `onError` option
// and carry on; the default handler throws it.
import { clipForLog } from '../../runtime/kit/text-clip.js';

/** Why a feed refused a line; the dead letter's reason. */
export type FeedRejection =
  | 'bad-feed-line'
  | 'type-not-allowed-from-feed'
  | 'implausible-price'
  | 'unknown-token'
  | 'timestamp-backwards'
  | 'duplicate-line';

export class FeedLineError extends Error {
  override readonly name = 'FeedLineError';
  /** The whole offending line, for the dead letter; log it only through clip(). */
  declare readonly text: string;
  constructor(
    readonly file: string,
    /** 1-based line number in the file. */
    readonly line: number,
    readonly reason: string,
    text: string,
    readonly code: FeedRejection = 'bad-feed-line',
  ) {
    super(`${file}:${line}: ${clip(reason)}`);
    // Not enumerable, so a logged error (pino's err serializer) does not carry a megabyte line.
    Object.defineProperty(this, 'text', { value: text, enumerable: false });
  }
}

export type FeedErrorHandler = (error: FeedLineError) => void;
/** Something about the file as a whole that is not an error (an empty file). */
export type FeedWarningHandler = (message: string) => void;

/** The default: a bad line stops the feed. */
export const throwOnLineError: FeedErrorHandler = (error) => {
  throw error;
};

export const clip = clipForLog;

/** A value quoted in a reason: JSON, clipped, so a huge field cannot make a huge message. */
export const quote = (value: unknown): string => clipForLog(JSON.stringify(value) ?? String(value), 60);
