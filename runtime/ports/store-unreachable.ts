// Thrown by a store adapter that cannot reach its server at all (refused, unresolvable, silent past
// its connect timeout), as opposed to a server that answered with an error. At start-up it means
// the run cannot begin: the CLI prints it as one line, without a stack trace.
export class StoreUnreachableError extends Error {
  override readonly name = 'StoreUnreachableError';
  /** The server's URL without its password. */
  readonly url: string;

  constructor(
    readonly store: 'PostgreSQL' | 'Redis',
    url: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    const shown = withoutPassword(url);
    super(`${store} at ${shown} is unreachable (${detail})`, options);
    this.url = shown;
  }
}

/** `scheme://user:***@host/...`: a URL fit for messages and logs. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
  }
}
