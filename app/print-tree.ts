// `npm start -- --print-tree`: builds the application as the configuration says, without starting
// it, and prints its supervision tree. Building reads the secrets the configuration needs (a venue
// without credentials is refused as at a start) and makes the Redis clients, which connect when
// made; it opens no store, log or venue session, and closes what it made.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { createRegent } from './compose.js';
import { formatTree } from './tree-text.js';

export async function supervisionTreeText(config: Config, logger: Logger): Promise<string> {
  const regent = createRegent(config, { logger });
  try {
    return formatTree(regent.runtime.describeTree());
  } finally {
    await regent.close();
  }
}
