// The last N ids seen, as plain data that survives a snapshot, for state that is copied on every
// event: ids sit in chunks, and every chunk but the newest is full and never changes, so adding an
// id copies at most one chunk and the list of chunks, not all N ids. Looking one up asks a Set
// built once per full chunk (cached by the chunk itself), so it costs one lookup per chunk rather
// than a scan of every id.

/** Ids in chunks, oldest first. */
export interface IdWindow {
  readonly chunks: readonly (readonly string[])[];
}

export const ID_CHUNK = 256;

const fullChunkSets = new WeakMap<readonly string[], ReadonlySet<string>>();

function setOf(chunk: readonly string[]): ReadonlySet<string> {
  let set = fullChunkSets.get(chunk);
  if (!set) fullChunkSets.set(chunk, (set = new Set(chunk)));
  return set;
}

export const emptyIdWindow: IdWindow = { chunks: [] };

/** A window holding these ids (oldest first), e.g. a flat list from an older snapshot. */
export function idWindowOf(ids: readonly string[]): IdWindow {
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += ID_CHUNK) chunks.push(ids.slice(i, i + ID_CHUNK));
  return { chunks };
}

export function idWindowHas(window: IdWindow, id: string): boolean {
  const { chunks } = window;
  const last = chunks.length - 1;
  for (let i = 0; i < last; i++) if (setOf(chunks[i]!).has(id)) return true;
  return last >= 0 && chunks[last]!.includes(id);
}

/** The window with `id` added (the input is not changed); keeps at least the last `capacity` ids. */
export function idWindowAdd(window: IdWindow, id: string, capacity: number): IdWindow {
  const chunks = window.chunks.slice();
  const last = chunks[chunks.length - 1];
  if (last && last.length < ID_CHUNK) chunks[chunks.length - 1] = [...last, id];
  else chunks.push([id]);
  // Whole chunks go, oldest first, once the ones after them still hold `capacity` ids.
  let held = 0;
  for (const c of chunks) held += c.length;
  while (chunks.length > 1 && held - chunks[0]!.length >= capacity) held -= chunks.shift()!.length;
  return { chunks };
}

export function idWindowSize(window: IdWindow): number {
  let n = 0;
  for (const c of window.chunks) n += c.length;
  return n;
}
