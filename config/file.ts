// Reads the optional config file: JSON (.json) or YAML (.yaml, .yml) holding one object of
// settings. An unreadable, unparsable or non-object file is a ConfigError naming the file.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './config-error.js';
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
    parsed = ext === '.json' ? JSON.parse(text) : parseYaml(text);
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
