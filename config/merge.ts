// Layered settings: later layers win key by key (objects merge, lists and scalars replace), and
// the merge remembers which layer last wrote each path so errors can say where a value came from.
import type { ConfigSource } from './config-error.js';

export interface ConfigLayer {
  readonly source: ConfigSource;
  readonly values: Record<string, unknown>;
}

export interface MergedLayers {
  readonly values: Record<string, unknown>;
  /** Dotted path -> the last layer that wrote it or anything under it. */
  readonly sources: ReadonlyMap<string, ConfigSource>;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

function mergeInto(
  target: Record<string, unknown>,
  source: Record<string, unknown>,
  layer: ConfigSource,
  prefix: string,
  sources: Map<string, ConfigSource>,
): void {
  for (const [key, value] of Object.entries(source)) {
    // An undefined value (e.g. a CLI flag that was not given) leaves the lower layers in place.
    if (value === undefined) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    sources.set(path, layer);
    if (isPlainObject(value)) {
      const existing = target[key];
      const child: Record<string, unknown> = isPlainObject(existing) ? existing : {};
      target[key] = child;
      mergeInto(child, value, layer, path, sources);
    } else {
      target[key] = Array.isArray(value) ? [...value] : value;
    }
  }
}

export function mergeLayers(layers: readonly ConfigLayer[]): MergedLayers {
  const values: Record<string, unknown> = {};
  const sources = new Map<string, ConfigSource>();
  for (const layer of layers) mergeInto(values, layer.values, layer.source, '', sources);
  return { values, sources };
}
