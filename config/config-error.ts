// A configuration that cannot be used: every bad field with its path, what was expected, what was
// found and where it came from (default, file, env var, override), as one readable message.

export type ConfigSource = 'default' | 'file' | 'env' | 'override';

export interface ConfigIssue {
  /** Dotted path of the setting, e.g. `execution.sizing.mode`; empty for the whole file. */
  readonly path: string;
  readonly expected: string;
  readonly received: string;
  readonly source: ConfigSource;
  /** The environment variable that supplied the value, when source is 'env'. */
  readonly envVar?: string;
  /** The config file, when source is 'file'. */
  readonly file?: string;
  /** The command-line flag that supplied the value, when source is 'override' and it came from one. */
  readonly flag?: string;
  /** The line shown for this issue when it is not `expected ..., got ...`. */
  readonly message?: string;
}

function origin(issue: ConfigIssue): string {
  if (issue.source === 'env' && issue.envVar) return ` (env ${issue.envVar})`;
  if (issue.source === 'file' && issue.file) return ` (file ${issue.file})`;
  if (issue.source === 'override') return issue.flag ? ` (flag ${issue.flag})` : ' (override)';
  return '';
}

export function formatIssue(issue: ConfigIssue): string {
  const what = issue.message ?? `expected ${issue.expected}, got ${issue.received}`;
  if (!issue.path && issue.source === 'override') return `(command line): ${what}`;
  return `${issue.path || '(config)'}${origin(issue)}: ${what}`;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** Process exit code for a CLI that fails on bad configuration. */
  readonly exitCode = 2;

  constructor(readonly issues: readonly ConfigIssue[]) {
    const n = issues.length;
    super(
      `invalid configuration (${n} problem${n === 1 ? '' : 's'}):\n` + issues.map((i) => `  - ${formatIssue(i)}`).join('\n'),
    );
  }
}

/** How a found value is shown in a message: strings quoted, absent values as `nothing`. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    const text = JSON.stringify(value);
    return text.length > 60 ? `a list of ${value.length} items` : text;
  }
  return 'an object';
}
