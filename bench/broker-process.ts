// The Kafka-protocol test broker in a process of its own, as a user's broker would be: a broker in
// the bench's own process would share its event loop and its CPU with the pipeline it serves.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface Brokers {
  readonly brokers: string[];
  close(): Promise<void>;
}

export async function testBrokerProcess(): Promise<Brokers> {
  const script = fileURLToPath(new URL('./test-broker-process.js', import.meta.url));
  const child = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the test broker exited before it started (${code})`)));
  });
  return {
    brokers: first.split(','),
    close: async () => {
      child.stdin!.end();
      await exited;
    },
  };
}

