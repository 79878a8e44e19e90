// Text bound for a log line: a record may carry megabytes (a feed line, a decode error quoting its
// input) but a log line must stay readable and cheap, so it gets the head and the original length.

export const LOG_TEXT_MAX = 300;

export function clipForLog(text: string, max = LOG_TEXT_MAX): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}
