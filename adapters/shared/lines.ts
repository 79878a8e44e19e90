// Streams a text file line by line (node:readline), never holding it whole, with 1-based line
// numbers; shared by the CSV and JSONL feeds.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface NumberedLine {
  readonly line: number;
  readonly text: string;
}

export async function* readLines(path: string): AsyncGenerator<NumberedLine> {
  const input = createReadStream(path, { encoding: 'utf8' });
  const rl = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of rl) {
      line++;
      // Strip a UTF-8 byte order mark on the first line.
      yield { line, text: line === 1 ? text.replace(/^\uFEFF/, '') : text };
    }
  } finally {
    rl.close();
    input.destroy();
  }
}
