/**
 * Runs the example as its README does (`node src/server.mjs`: `next build` when needed, then
 * `next start`) in a child process on a given port of 127.0.0.1. The app imports the @sessionkit
 * packages through their exports map, i.e. the built dist/ folders (`npm test` builds them first).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const appDir = fileURLToPath(new URL('..', import.meta.url));
const packagesDir = fileURLToPath(new URL('../../../packages/', import.meta.url));

/** Fails with a clear message when a package the app imports has not been built. */
export function assertBuilt(packages: string[]): void {
  const missing = packages.filter((name) => !existsSync(`${packagesDir}${name}/dist/index.js`));
  if (missing.length > 0) {
    throw new Error(
      `The example imports the built packages, and ${missing.map((n) => `packages/${n}/dist`).join(', ')} ` +
        'is missing: run `npm test` (it builds first) or `pnpm build`.',
    );
  }
}

export interface AppServer {
  readonly origin: string;
  /** Everything the launcher and Next.js printed, for failure messages. */
  output(): string;
  /** SIGTERM to the launcher and `next start` together, SIGKILL after 5 s. */
  stop(): Promise<void>;
}

/** Starts the launcher and resolves once it prints "listening on" (after a build, if one is due). */
export async function startApp(port: number, env: Record<string, string>): Promise<AppServer> {
  const child = spawn(process.execPath, ['src/server.mjs'], {
    cwd: appDir,
    env: childEnv({ ...env, PORT: String(port), HOST: '127.0.0.1', NEXT_TELEMETRY_DISABLED: '1' }),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: stop() signals the launcher and its `next start` child at once, so
    // neither outlives the test even if the launcher is killed.
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = () => stopGroup(child, exited);
  try {
    await new Promise<void>((resolve, reject) => {
      // A first start includes `next build`.
      const timer = setTimeout(
        () => reject(new Error(`the app did not start within 180 s:\n${output}`)),
        180_000,
      );
      child.stdout.on('data', () => {
        if (!output.includes('listening on')) return;
        clearTimeout(timer);
        resolve();
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`the app exited before listening:\n${output}`));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { origin: `http://127.0.0.1:${port}`, output: () => output, stop };
}

async function stopGroup(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // The group is already gone.
    }
  };
  signalGroup('SIGTERM');
  const timer = setTimeout(() => signalGroup('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** The runner's environment without vitest's variables and NODE_ENV=test, plus `extra`. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = { ...process.env, ...extra };
  delete env.NODE_ENV;
  for (const key of Object.keys(env)) if (key.startsWith('VITEST')) delete env[key];
  return env as NodeJS.ProcessEnv;
}
