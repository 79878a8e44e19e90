// Child process for spec/runtime/logger.spec.ts: logs 100 warnings and a fatal line through the
// CLI's logger factory, then ends either by returning (the event loop drains) or by process.exit(3)
// right after the fatal line. Usage: node log-then-exit.js <json|pretty> <return|process.exit>
import { chooseLogOutput, createOutputLogger } from '../../runtime/observe/logger.js';

const [format, exit] = process.argv.slice(2) as ['json' | 'pretty', 'return' | 'process.exit'];
const logger = createOutputLogger(chooseLogOutput({ format }, { stderrIsTTY: false, stdoutIsTTY: false, noColor: true }));
for (let n = 0; n < 100; n++) logger.warn({ n }, 'filler');
logger.fatal({ n: 100 }, 'going down');
if (exit === 'process.exit') process.exit(3);
