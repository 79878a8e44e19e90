// The pipeline run that `npm run bench -- --profile` profiles, in a process of its own started
// with --cpu-prof: a warm-up, then the measured run. Prints the run's figure as JSON.
import { pipelineThroughput } from './pipeline.js';

const count = Number(process.argv[2] ?? 100_000);
await pipelineThroughput(10_000);
process.stdout.write(`${JSON.stringify(await pipelineThroughput(count))}\n`);
