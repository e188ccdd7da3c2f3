/**
 * Once per `vitest run`: finds every backend in the documented order (URL, container runtime,
 * private server from the machine's binaries) and starts the private servers the test files will
 * share; stops them when the run ends. Written as a globalSetup because it runs in the main
 * process before any worker is forked, so the URLs it puts in process.env reach every worker.
 */
import { fileURLToPath } from 'node:url';
import { startRunBackends } from './packages/testing/src/run-backends';

const REPORT = fileURLToPath(new URL('.tmp/backends.json', import.meta.url));

export default async function setup(): Promise<() => Promise<void>> {
  const backends = await startRunBackends({ reportFile: REPORT });
  return async () => {
    const failures = await backends.stop();
    if (failures.length > 0) throw new Error(`stopping the private servers failed:\n${failures.join('\n')}`);
  };
}
