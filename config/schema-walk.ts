// Reading the config schema as data: find the schema of a setting by path, see through
// optional/default wrappers, and describe what a setting expects in words for error messages.
import type { z } from 'zod';

type AnySchema = z.core.$ZodType;

interface Def {
  type: string;
  innerType?: AnySchema;
  in?: AnySchema;
  shape?: Record<string, AnySchema>;
  keyType?: AnySchema;
  valueType?: AnySchema;
  element?: AnySchema;
  entries?: Record<string, string | number>;
  values?: unknown[];
  checks?: { _zod: { def: CheckDef } }[];
}

interface CheckDef {
  check: string;
  value?: number;
  inclusive?: boolean;
  minimum?: number;
  maximum?: number;
  format?: string;
}

function defOf(schema: AnySchema): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

const wrappers = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional']);

/** The schema under optional/default/prefault/pipe wrappers. */
export function unwrap(schema: AnySchema): AnySchema {
  let s = schema;
  for (;;) {
    const def = defOf(s);
    if (wrappers.has(def.type) && def.innerType) s = def.innerType;
    else if (def.type === 'pipe' && def.in) s = def.in;
    else return s;
  }
}

/** The base kind of a schema: 'object', 'record', 'array', 'number', 'boolean', 'string', 'enum', ... */
export function kindOf(schema: AnySchema): string {
  return defOf(unwrap(schema)).type;
}

/** Known keys of an object schema, or of a record whose keys are an enum. */
export function knownKeys(schema: AnySchema): string[] | undefined {
  const def = defOf(unwrap(schema));
  if (def.type === 'object' && def.shape) return Object.keys(def.shape);
  if (def.type === 'record' && def.keyType) {
    const key = defOf(unwrap(def.keyType));
    if (key.type === 'enum' && key.entries) return Object.values(key.entries).map(String);
  }
  return undefined;
}

/** The schema of one child (object property, record value, array element), if there is one. */
export function childSchema(schema: AnySchema, key: string | number): AnySchema | undefined {
  const def = defOf(unwrap(schema));
  if (def.type === 'object') return def.shape?.[String(key)];
  if (def.type === 'record') return def.valueType;
  if (def.type === 'array') return def.element;
  return undefined;
}

export function schemaAt(schema: AnySchema, path: readonly PropertyKey[]): AnySchema | undefined {
  let s: AnySchema | undefined = schema;
  for (const key of path) {
    if (!s) return undefined;
    s = childSchema(s, typeof key === 'symbol' ? String(key) : key);
  }
  return s;
}

export function elementSchema(schema: AnySchema): AnySchema | undefined {
  const def = defOf(unwrap(schema));
  return def.type === 'array' ? def.element : undefined;
}

function checksOf(def: Def): CheckDef[] {
  return (def.checks ?? []).map((c) => c._zod.def);
}

function describeNumber(def: Def): string {
  const checks = checksOf(def);
  const isInt = checks.some((c) => c.check === 'number_format' && /int/.test(c.format ?? ''));
  const parts: string[] = [];
  const lo = checks.find((c) => c.check === 'greater_than');
  const hi = checks.find((c) => c.check === 'less_than');
  if (lo && hi && lo.inclusive && hi.inclusive) parts.push(`between ${lo.value} and ${hi.value}`);
  else if (lo && !hi && lo.inclusive && lo.value === 0) {
    return isInt ? 'a non-negative integer' : 'a non-negative number';
  } else {
    if (lo) parts.push(lo.inclusive ? `at least ${lo.value}` : `greater than ${lo.value}`);
    if (hi) parts.push(hi.inclusive ? `at most ${hi.value}` : `less than ${hi.value}`);
  }
  return [isInt ? 'an integer' : 'a number', parts.join(' and ')].filter(Boolean).join(' ');
}

/** The words a schema was given with `.describe()`, on it or under its wrappers. */
function descriptionOf(schema: AnySchema): string | undefined {
  const own = (s: AnySchema) => (s as { description?: unknown }).description;
  const text = own(schema) ?? own(unwrap(schema));
  return typeof text === 'string' ? text : undefined;
}

/** What a setting expects, in words: `a number greater than 0`, `one of "csv", "jsonl"`, or its own description. */
export function describeSchema(schema: AnySchema): string {
  const described = descriptionOf(schema);
  if (described !== undefined) return described;
  const def = defOf(unwrap(schema));
  switch (def.type) {
    case 'number':
      return describeNumber(def);
    case 'boolean':
      return 'a boolean (true or false)';
    case 'string': {
      const min = checksOf(def).find((c) => c.check === 'min_length');
      return min && (min.minimum ?? 0) > 0 ? 'a non-empty string' : 'a string';
    }
    case 'enum':
      return `one of ${Object.values(def.entries ?? {})
        .map((v) => JSON.stringify(v))
        .join(', ')}`;
    case 'literal':
      return `${(def.values ?? []).map((v) => JSON.stringify(v)).join(' or ')}`;
    case 'array': {
      const min = checksOf(def).find((c) => c.check === 'min_length');
      const count = min && (min.minimum ?? 0) > 0 ? ` (at least ${min.minimum})` : '';
      const entry = def.element ? descriptionOf(def.element) : undefined;
      if (entry !== undefined) return `a list of ${entry} entries${count}`;
      const of = def.element ? describeSchema(def.element).replace(/^an? /, '') : 'value';
      return `a list of ${of}s${count}`;
    }
    case 'object':
      return 'an object';
    case 'record':
      return 'a map';
    default:
      return def.type;
  }
}
