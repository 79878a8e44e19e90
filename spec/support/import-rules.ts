// The import rules of DESIGN.md, read from the source: every relative import of every .ts file
// under the layers, checked against the rule of the importing file's layer. Also the kernel's time
// rule: runtime/ reads time only through its Clock port.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

export interface ImportViolation {
  readonly file: string;
  readonly imports: string;
  readonly rule: string;
}

const LAYERS = ['runtime', 'supervisors', 'actors', 'adapters', 'app', 'config'] as const;
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g;
const DYNAMIC_IMPORT = /import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function* sourceFiles(dir: string): Generator<string> {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) yield path;
  }
}

/** Repo-relative, '/'-separated, without the .js/.ts extension. */
function key(root: string, path: string): string {
  return relative(root, path).split(sep).join('/').replace(/\.(js|ts)$/, '');
}

const top = (path: string) => path.split('/')[0]!;
const isActorEvents = (path: string) => /^actors\/([^/]+\/)?events$/.test(path);
/** An actor's pure calculations (`*-math.ts`): no state, no I/O, shareable like its events. */
const isActorMath = (path: string) => /^actors\/[^/]+\/[a-z-]+-math$/.test(path);
/** What adapters may use of the kernel: its ports, its wire formats, and its pure helpers. */
const forAdapters = (path: string) => /^runtime\/(ports|events|kit)\//.test(path);

/** Why `from` may not import `to` (both repo-relative keys), or undefined when it may. */
export function brokenRule(from: string, to: string): string | undefined {
  const layer = top(from);
  const target = top(to);
  switch (layer) {
    case 'runtime':
      return target === 'runtime' ? undefined : 'runtime/ imports only itself';
    case 'supervisors':
      return target === 'supervisors' || target === 'runtime' ? undefined : 'supervisors/ import only themselves and runtime/';
    case 'actors': {
      if (target === 'runtime') return undefined;
      if (target !== 'actors') return "actors/ import only runtime/ and actors' events";
      const own = from.split('/')[1];
      const sameActor = to.split('/')[1] === own;
      const aggregate = !from.includes('/', 'actors/'.length); // actors/index.ts, actors/events.ts list them all
      return sameActor || aggregate || isActorEvents(to) || isActorMath(to) ? undefined : "an actor imports another actor's events.ts and *-math.ts only";
    }
    case 'adapters':
      if (target === 'adapters') return to.split('/')[1] === from.split('/')[1] || to.startsWith('adapters/shared/') ? undefined : 'an adapter imports only its own port folder and adapters/shared';
      if (forAdapters(to) || isActorEvents(to)) return undefined;
      return "adapters/ import only runtime/ports, runtime/events, runtime/kit and actors' events.ts wire formats";
    case 'config':
      return target === 'config' || target === 'actors' || target === 'runtime' ? undefined : 'config/ imports only itself, runtime/ and the actors\' config slices';
    default:
      return undefined;
  }
}

/** Every broken import rule under `root`. */
export function importViolations(root: string): ImportViolation[] {
  const found: ImportViolation[] = [];
  for (const layer of LAYERS) {
    for (const file of sourceFiles(join(root, layer))) {
      const text = readFileSync(file, 'utf8');
      const from = key(root, file);
      for (const pattern of [IMPORT, DYNAMIC_IMPORT]) {
        for (const m of text.matchAll(pattern)) {
          const to = key(root, normalize(join(dirname(file), m[1]!)));
          const rule = brokenRule(from, to);
          if (rule) found.push({ file: from, imports: to, rule });
        }
      }
    }
  }
  return found;
}

const WALL_CLOCK = /\bDate\.now\(\)|\bnew Date\(\)|\bperformance\.now\(\)/g;

/** Kernel files that read the wall clock instead of the Clock port (the port's own implementation excepted). */
export function wallClockReads(root: string, allowed: readonly string[]): { file: string; line: number }[] {
  const found: { file: string; line: number }[] = [];
  for (const file of sourceFiles(join(root, 'runtime'))) {
    const from = key(root, file);
    if (allowed.includes(from)) continue;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((text, i) => {
        if (!text.trimStart().startsWith('//') && WALL_CLOCK.test(text)) found.push({ file: from, line: i + 1 });
        WALL_CLOCK.lastIndex = 0;
      });
  }
  return found;
}
