// `npm run bench -- --profile`: a CPU profile of one run, written as a .cpuprofile (open it in
// Chrome DevTools or speedscope), with the heaviest functions by self time printed.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/**
 * Runs `script` (a compiled bench file) in a child Node started with --cpu-prof, so the profile
 * holds that run alone (an inspector session in this process would profile itself too), and
 * writes it to `file`.
 */
export async function profiled(file: string, script: string, args: readonly string[] = []): Promise<{ output: string; path: string; top: string[] }> {
  const path = resolve(file);
  const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dirname(path)}`, `--cpu-prof-name=${basename(path)}`, fileURLToPath(new URL(script, import.meta.url)), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  if (code !== 0) throw new Error(`the profiled run ${script} exited with ${code}`);
  const profile = JSON.parse(await readFile(path, 'utf8')) as Profile;
  return { output: output.trim(), path, top: topSelfTime(profile, 15) };
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
