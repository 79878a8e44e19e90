// `npm start -- --print-tree`: the supervision tree as it would run with this configuration, one
// line per supervisor and worker, with OTP's flags (strategy, intensity per period, restart, shutdown).
import type { PlannedSupervisorDescription, TreeDescription, PlannedWorkerDescription } from '../runtime/supervision/tree.js';

const shutdownText = (shutdown: number | 'infinity') => (shutdown === 'infinity' ? 'shutdown infinity' : `shutdown ${shutdown} ms`);

function lineOf(node: PlannedSupervisorDescription | PlannedWorkerDescription): string {
  if (node.type === 'supervisor') {
    return `${node.id}  supervisor ${node.strategy}, intensity ${node.intensity} per ${node.period} ms, ${shutdownText(node.shutdown)}`;
  }
  const onDemand = node.onDemand ? (node.perKey ? ', one per key, on demand' : ', on demand') : '';
  return `${node.id}  worker ${node.restart}, ${shutdownText(node.shutdown)}${onDemand}`;
}

export function formatTree(tree: TreeDescription): string {
  const lines = [lineOf(tree)];
  const walk = (node: PlannedSupervisorDescription, prefix: string) => {
    node.children.forEach((child, i) => {
      const last = i === node.children.length - 1;
      lines.push(`${prefix}${last ? '└── ' : '├── '}${lineOf(child)}`);
      if (child.type === 'supervisor') walk(child, `${prefix}${last ? '    ' : '│   '}`);
    });
  };
  walk(tree, '');
  return `${lines.join('\n')}\n`;
}
