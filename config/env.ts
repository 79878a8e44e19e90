// Maps REGENT_* environment variables onto the config shape: `__` nests, SNAKE_CASE segments of
// setting names become camelCase (`REGENT_EXECUTION__SIZING__MODE` -> execution.sizing.mode), while
// a map key is taken as written (`..._OVERRIDES__BTC__...` -> BTC); values are coerced to decimal
// numbers, booleans and comma lists only where the schema expects them, so bad ones fail validation.
import type { z } from 'zod';
import { parseDecimal } from './decimal.js';
import { childSchema, elementSchema, kindOf, knownKeys } from './schema-walk.js';
import { showValue, type ConfigIssue } from './config-error.js';

export const ENV_PREFIX = 'REGENT_';
/** Names the config file; read by loadConfig, not a setting itself. */
export const CONFIG_FILE_VAR = 'REGENT_CONFIG';

export interface EnvLayer {
  /** Nested settings taken from the environment. */
  readonly values: Record<string, unknown>;
  /** Dotted setting path -> the variable that set it. */
  readonly origins: ReadonlyMap<string, string>;
  /** Variables that could not be mapped at all (malformed names, clashes). */
  readonly problems: readonly ConfigIssue[];
}

function camelCase(segment: string): string {
  return segment.toLowerCase().replace(/_+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** How a key is spelt in a variable name: `price.ticks` -> `PRICE_TICKS`. */
function envSpelling(key: string): string {
  return key.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/**
 * A map key: a map with a fixed key set (topic names) matches the segment against it (`PRICE_TICKS`
 * -> `price.ticks`); an open map (tokens) keeps the segment verbatim, as keys such as BTC are
 * case-sensitive.
 */
function recordKey(segment: string, record: z.core.$ZodType): string {
  const known = knownKeys(record);
  return known?.find((key) => envSpelling(key) === segment.toUpperCase()) ?? segment;
}

const BOOLEANS: Record<string, boolean> = { true: true, '1': true, yes: true, on: true, false: false, '0': false, no: false, off: false };

function coerceScalar(raw: string, schema: z.core.$ZodType | undefined): unknown {
  if (!schema) return raw;
  const kind = kindOf(schema);
  const text = raw.trim();
  if (kind === 'number') return parseDecimal(text) ?? raw;
  if (kind === 'boolean') {
    const b = BOOLEANS[text.toLowerCase()];
    return b ?? raw;
  }
  return raw;
}

function coerce(raw: string, schema: z.core.$ZodType | undefined): unknown {
  if (schema && kindOf(schema) === 'array') {
    const element = elementSchema(schema);
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map((s) => coerceScalar(s, element));
  }
  return coerceScalar(raw, schema);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads every REGENT_* variable (except REGENT_CONFIG) into a nested settings object. */
export function readEnv(env: NodeJS.ProcessEnv, schema: z.core.$ZodType): EnvLayer {
  const values: Record<string, unknown> = {};
  const origins = new Map<string, string>();
  const problems: ConfigIssue[] = [];
  const names = Object.keys(env)
    .filter((name) => name.startsWith(ENV_PREFIX) && name !== CONFIG_FILE_VAR)
    .sort();
  for (const name of names) {
    const raw = env[name];
    // An empty variable counts as unset, as shells make it easy to export one by accident.
    if (raw === undefined || raw === '') continue;
    const segments = name.slice(ENV_PREFIX.length).split('__');
    if (segments.some((s) => !/^[A-Za-z0-9]+(_[A-Za-z0-9]+)*$/.test(s))) {
      problems.push({
        path: '',
        expected: 'REGENT_<SETTING>[__<NESTED>...] with single underscores inside a segment',
        received: name,
        source: 'env',
        envVar: name,
        message: `malformed variable name ${name}`,
      });
      continue;
    }
    let target = values;
    let node: z.core.$ZodType | undefined = schema;
    const path: string[] = [];
    let clash = false;
    for (let i = 0; i < segments.length && !clash; i++) {
      const segment = segments[i]!;
      const key: string = node && kindOf(node) === 'record' ? recordKey(segment, node) : camelCase(segment);
      node = node ? childSchema(node, key) : undefined;
      path.push(key);
      if (i === segments.length - 1) {
        if (key in target) clash = true;
        else target[key] = coerce(raw, node);
        break;
      }
      const next = target[key];
      if (next === undefined) target = target[key] = {};
      else if (isPlainObject(next)) target = next;
      else clash = true;
    }
    const dotted = path.join('.');
    if (clash) {
      problems.push({
        path: dotted,
        expected: 'a value from one variable',
        received: showValue(raw),
        source: 'env',
        envVar: name,
        message: `${name} clashes with another REGENT_ variable for the same setting`,
      });
      continue;
    }
    origins.set(dotted, name);
  }
  return { values, origins, problems };
}
