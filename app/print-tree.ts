// `npm start -- --print-tree`: builds the application as the configuration says, without opening
// or starting anything, and prints its supervision tree.
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
