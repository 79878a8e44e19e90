// Loads the configuration: defaults < file (JSON/YAML, from `file` or REGENT_CONFIG) < REGENT_*
// environment < explicit overrides (the CLI's flags), validated once; every bad field (and an
// unreadable file) is reported together in one ConfigError.
import type { z } from 'zod';
import { configSchema, type Config } from './schema.js';
import { CONFIG_FILE_VAR, readEnv } from './env.js';
import { readConfigFile } from './file.js';
import { mergeLayers, isPlainObject, type ConfigLayer } from './merge.js';
import { ConfigError, showValue, type ConfigIssue, type ConfigSource } from './config-error.js';
import { describeSchema, knownKeys, schemaAt } from './schema-walk.js';

export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> | undefined }
    : T;

export type ConfigOverrides = DeepPartial<Config>;

export interface LoadConfigOptions {
  /** Defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Config file; defaults to $REGENT_CONFIG when set. */
  readonly file?: string;
  readonly overrides?: ConfigOverrides;
  /** Dotted setting path -> what set it among the overrides (a CLI flag), for messages. */
  readonly overrideOrigins?: ReadonlyMap<string, string>;
  /** Problems found before loading (a malformed command line), listed with the others. */
  readonly problems?: readonly ConfigIssue[];
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (!isPlainObject(v) && !Array.isArray(v)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

interface Provenance {
  readonly sources: ReadonlyMap<string, ConfigSource>;
  readonly envVars: ReadonlyMap<string, string>;
  readonly flags: ReadonlyMap<string, string>;
  readonly file?: string;
}

/** The name that set `dotted`, one of its parents, or else something under it. */
function nameFor(dotted: string, names: ReadonlyMap<string, string>): string | undefined {
  let name = names.get(dotted);
  for (let at = dotted; !name && at.includes('.'); ) {
    at = at.slice(0, at.lastIndexOf('.'));
    name = names.get(at);
  }
  if (!name) for (const [path, n] of names) if (path.startsWith(`${dotted}.`)) name = n;
  return name;
}

function locate(dotted: string, p: Provenance): Pick<ConfigIssue, 'source' | 'envVar' | 'file' | 'flag'> {
  let source: ConfigSource = 'default';
  for (let at = dotted; ; at = at.slice(0, Math.max(0, at.lastIndexOf('.')))) {
    const found = p.sources.get(at);
    if (found) {
      source = found;
      break;
    }
    if (!at.includes('.')) break;
  }
  if (source === 'file') return { source, ...(p.file ? { file: p.file } : {}) };
  if (source === 'override') {
    const flag = nameFor(dotted, p.flags);
    return flag ? { source, flag } : { source };
  }
  if (source !== 'env') return { source };
  const envVar = nameFor(dotted, p.envVars);
  return envVar ? { source, envVar } : { source };
}

function toConfigIssues(issue: z.core.$ZodIssue, input: unknown, p: Provenance): ConfigIssue[] {
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeys(schemaAt(configSchema, issue.path) ?? configSchema) ?? [];
    const expected = `one of the known settings: ${known.join(', ')}`;
    return issue.keys.map((key) => {
      const path = [...issue.path, key];
      const dotted = path.join('.');
      return {
        path: dotted,
        expected,
        received: showValue(valueAt(input, path)),
        ...locate(dotted, p),
        message: `unknown setting (known: ${known.join(', ')})`,
      };
    });
  }
  const dotted = issue.path.join('.');
  const received = showValue(valueAt(input, issue.path));
  if (issue.code === 'custom') {
    const related = (issue.params as { relatedPath?: string } | undefined)?.relatedPath;
    return [{ path: dotted, expected: issue.message, received, ...locate(related ?? dotted, p), message: issue.message }];
  }
  const schema = schemaAt(configSchema, issue.path);
  const expected = schema ? describeSchema(schema) : issue.message;
  return [{ path: dotted, expected, received, ...locate(dotted, p) }];
}

/** Loads, merges and validates the configuration. Throws ConfigError listing every problem. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const file = options.file ?? (env[CONFIG_FILE_VAR] || undefined);
  const layers: ConfigLayer[] = [];
  const issues: ConfigIssue[] = [...(options.problems ?? [])];
  if (file !== undefined) {
    // A file that cannot be read still leaves the environment and the flags to check.
    try {
      layers.push({ source: 'file', values: readConfigFile(file) });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      issues.push(...e.issues);
    }
  }
  const fromEnv = readEnv(env, configSchema);
  issues.push(...fromEnv.problems);
  layers.push({ source: 'env', values: fromEnv.values });
  if (options.overrides) layers.push({ source: 'override', values: options.overrides as Record<string, unknown> });
  const merged = mergeLayers(layers);
  const provenance: Provenance = {
    sources: merged.sources,
    envVars: fromEnv.origins,
    flags: options.overrideOrigins ?? new Map(),
    ...(file ? { file } : {}),
  };

  const result = configSchema.safeParse(merged.values);
  if (!result.success) {
    for (const issue of result.error.issues) issues.push(...toConfigIssues(issue, merged.values, provenance));
  }
  if (issues.length > 0 || !result.success) throw new ConfigError(issues);
  return result.data;
}
