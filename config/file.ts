// Reads the optional config file: JSON (.json) or YAML (.yaml, .yml) holding one object of
// settings. An unreadable, unparsable or non-object file is a ConfigError naming the file.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseDocument, visit } from 'yaml';
import { ConfigError } from './config-error.js';
import { parseDecimal } from './decimal.js';
import { isPlainObject } from './merge.js';

function fileError(file: string, expected: string, received: string, message: string): ConfigError {
  return new ConfigError([{ path: '', expected, received, source: 'file', file, message }]);
}

export function readConfigFile(file: string): Record<string, unknown> {
  const ext = extname(file).toLowerCase();
  if (ext !== '.json' && ext !== '.yaml' && ext !== '.yml') {
    throw fileError(file, 'a .json, .yaml or .yml file', ext || 'no extension', `unsupported config file type "${ext}"`);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const reason = (e as Error).message;
    throw fileError(file, 'a readable file', reason, `cannot read config file: ${reason}`);
  }
  let parsed: unknown;
  try {
    parsed = ext === '.json' ? JSON.parse(text) : parseYamlDecimal(text);
  } catch (e) {
    const reason = (e as Error).message.split('\n')[0]!;
    throw fileError(file, ext === '.json' ? 'valid JSON' : 'valid YAML', reason, `cannot parse config file: ${reason}`);
  }
  // An empty YAML file holds no settings.
  if (parsed === null || parsed === undefined) return {};
  if (!isPlainObject(parsed)) {
    throw fileError(file, 'an object of settings', typeof parsed, 'config file must hold an object of settings');
  }
  return parsed;
}

/**
 * YAML, with numbers in decimal only: YAML itself reads `0x10`, `0o17`, `1_000` (1.1) or `1:30`
 * (sexagesimal) as numbers; such a scalar is kept as the text written, so validation refuses it
 * like the same value from a variable or a flag.
 */
function parseYamlDecimal(text: string): unknown {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw doc.errors[0]!;
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'number' && typeof node.source === 'string' && parseDecimal(node.source) === undefined) node.value = node.source;
    },
  });
  return doc.toJS();
}
