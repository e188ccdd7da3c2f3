/**
 * Runs an example exactly as its README does (`node src/server.mjs`) in a child process on a free
 * port of 127.0.0.1. The child imports the @sessionkit packages through their exports map, i.e.
 * the built dist/ folders (`npm test` builds them first).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

const packagesDir = fileURLToPath(new URL('../../', import.meta.url));

/** Fails with a clear message when a package the example imports has not been built. */
export function assertBuilt(packages: string[]): void {
  const missing = packages.filter((name) => !existsSync(`${packagesDir}${name}/dist/index.js`));
  if (missing.length > 0) {
    throw new Error(
      `The example imports the built packages, and ${missing.map((n) => `packages/${n}/dist`).join(', ')} ` +
        'is missing: run `npm test` (it builds first) or `pnpm build`.',
    );
  }
}

export interface ExampleServer {
  readonly origin: string;
  /** Everything the process printed, for failure messages. */
  output(): string;
  /** SIGTERM (the example's clean shutdown), SIGKILL after 5 s. */
  stop(): Promise<void>;
}

/**
 * Starts `node src/server.mjs` in `exampleDir` with `env` and resolves once it prints its URL.
 * Stopped after the test.
 */
export async function startExample(exampleDir: string, env: Record<string, string>): Promise<ExampleServer> {
  const child = spawn(process.execPath, ['src/server.mjs'], {
    cwd: exampleDir,
    env: childEnv({ PORT: '0', HOST: '127.0.0.1', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const server: ExampleServer = { origin: '', output: () => output, stop: () => stop(child, exited) };
  onTestFinished(() => server.stop());
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the example did not start within 20 s:\n${output}`)),
      20_000,
    );
    const onData = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (!match?.[1]) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      resolve(match[1]);
    };
    child.stdout.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the example exited before listening:\n${output}`));
    });
  });
  return { ...server, origin };
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** The runner's environment without vitest's variables (and NODE_ENV=test), plus `extra`. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = { ...process.env, ...extra };
  delete env.NODE_ENV;
  for (const key of Object.keys(env)) if (key.startsWith('VITEST')) delete env[key];
  return env as NodeJS.ProcessEnv;
}

/** Parses the `sid` cookie value `<id>[.<route>].<signature>` into the session ID. */
export function sessionIdOf(cookieValue: string | undefined): string {
  return (cookieValue ?? '').split('.')[0] ?? '';
}
