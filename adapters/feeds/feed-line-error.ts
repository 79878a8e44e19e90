// A line of a CSV or JSONL feed that could not become an event: which file, which line, and why.
// File feeds hand it to their `onError` option and carry on; the default handler throws it.

export class FeedLineError extends Error {
  override readonly name = 'FeedLineError';
  constructor(
    readonly file: string,
    /** 1-based line number in the file. */
    readonly line: number,
    readonly reason: string,
    /** The offending line (truncated), for the log. */
    readonly text: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}

export type FeedErrorHandler = (error: FeedLineError) => void;

/** The default: a bad line stops the feed. */
export const throwOnLineError: FeedErrorHandler = (error) => {
  throw error;
};

export function clip(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
