// `npm run bench -- --profile`: a CPU profile of one run, written as a .cpuprofile (open it in
// Chrome DevTools or speedscope), with the heaviest functions by self time printed.
import { Session } from 'node:inspector/promises';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export async function profiled<T>(file: string, run: () => Promise<T>): Promise<{ result: T; path: string; top: string[] }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  let profile: Profile;
  let result: T;
  try {
    result = await run();
  } finally {
    profile = ((await session.post('Profiler.stop')) as unknown as { profile: Profile }).profile;
    session.disconnect();
  }
  const path = resolve(file);
  await writeFile(path, JSON.stringify(profile));
  return { result, path, top: topSelfTime(profile, 15) };
}

/** The functions with the most self time, as "12.3 %  name  file:line" lines. */
function topSelfTime(profile: Profile, count: number): string[] {
  const byNode = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    byNode.set(id, (byNode.get(id) ?? 0) + dt);
    total += dt;
  });
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const t = byNode.get(node.id);
    if (!t) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${lineNumber + 1}` : '';
    const name = `${functionName || '(anonymous)'}  ${where}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + t);
  }
  return [...byFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, t]) => `${((100 * t) / total).toFixed(1).padStart(5)} %  ${name}`);
}
