// The pre-start check of a file feed: a path that is missing, a directory or unreadable is a
// configuration error, found before anything is opened rather than as a failed run.
import { accessSync, constants, statSync } from 'node:fs';
import type { FeedOptions } from './feed-options.js';

/** Why the configured feed file cannot be read, or undefined (also for the synthetic feed). */
export function feedFileProblem(feed: Pick<FeedOptions, 'kind' | 'path'>): string | undefined {
  if (feed.kind === 'synthetic' || feed.path === undefined) return undefined;
  try {
    if (statSync(feed.path).isDirectory()) return 'is a directory';
    accessSync(feed.path, constants.R_OK);
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'not found';
    if (code === 'EACCES') return 'not readable (permission denied)';
    return (e as Error).message;
  }
}
