// Loads the configuration: defaults < file (JSON/YAML, from `file` or REGENT_CONFIG) < REGENT_*
// environment < explicit overrides (the CLI's flags), validated once; every bad field is reported
// together in one ConfigError.
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
  readonly file?: string;
}

function locate(dotted: string, p: Provenance): Pick<ConfigIssue, 'source' | 'envVar' | 'file'> {
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
  if (source !== 'env') return { source };
  let envVar = p.envVars.get(dotted);
  for (let at = dotted; !envVar && at.includes('.'); ) {
    at = at.slice(0, at.lastIndexOf('.'));
    envVar = p.envVars.get(at);
  }
  if (!envVar) for (const [path, name] of p.envVars) if (path.startsWith(`${dotted}.`)) envVar = name;
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
  if (file !== undefined) layers.push({ source: 'file', values: readConfigFile(file) });
  const fromEnv = readEnv(env, configSchema);
  layers.push({ source: 'env', values: fromEnv.values });
  if (options.overrides) layers.push({ source: 'override', values: options.overrides as Record<string, unknown> });
  const merged = mergeLayers(layers);
  const provenance: Provenance = { sources: merged.sources, envVars: fromEnv.origins, ...(file ? { file } : {}) };

  const result = configSchema.safeParse(merged.values);
  const issues: ConfigIssue[] = [...fromEnv.problems];
  if (!result.success) {
    for (const issue of result.error.issues) issues.push(...toConfigIssues(issue, merged.values, provenance));
  }
  if (issues.length > 0 || !result.success) throw new ConfigError(issues);
  return result.data;
}
