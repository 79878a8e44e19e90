// `--fresh` erases a deployment's stored run: on a terminal the person types the schema / prefix
// to confirm; without a terminal (scripts, CI) it needs `--yes`, so nothing is erased by accident.
import { createInterface } from 'node:readline/promises';
import type { Config } from '../config/schema.js';

export async function confirmFresh(config: Config): Promise<boolean> {
  const what = [
    config.store.kind === 'postgres' ? `PostgreSQL schema "${config.store.schema}" (events, offsets, orders, audit log)` : '',
    config.state.kind === 'redis' ? `Redis keys "${config.state.keyPrefix}*" (snapshots, portfolio cache)` : '',
  ].filter(Boolean);
  if (what.length === 0) return true; // nothing durable to erase
  if (!process.stdin.isTTY) {
    process.stderr.write(`regent: --fresh would erase ${what.join(' and ')}; add --yes to do so without a terminal\n`);
    return false;
  }
  const word = config.store.kind === 'postgres' ? config.store.schema : config.state.keyPrefix;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`--fresh erases ${what.join(' and ')}.\nType "${word}" to confirm: `);
    return answer.trim() === word;
  } finally {
    rl.close();
  }
}
