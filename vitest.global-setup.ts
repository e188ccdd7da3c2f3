/**
 * Once per `vitest run`: finds every backend in the documented order (URL, container runtime,
 * private server from the machine's binaries, skip) and serves the containers and private servers
 * the test files ask for, one per backend, each started on the first request and shared by the
 * run (by URL); stops them when the run ends.
 * A globalSetup because it runs in the main process before any worker is forked, so the broker's
 * socket it puts in process.env reaches every worker, and it outlives them all.
 */
import { fileURLToPath } from 'node:url';
import { startRunBackends } from './packages/testing/src/run-backends';

const REPORT = fileURLToPath(new URL('.tmp/backends.json', import.meta.url));

export default async function setup(): Promise<() => Promise<void>> {
  const backends = await startRunBackends({ reportFile: REPORT });
  return async () => {
    const failures = await backends.stop();
    if (failures.length > 0) throw new Error(`stopping the run's servers failed:\n${failures.join('\n')}`);
  };
}
