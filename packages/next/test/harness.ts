/**
 * Builds and serves the fixture app of test/fixture with a real `next build` + `next start`.
 *
 * Each Next.js version gets its own copy of the fixture under packages/next/.tmp (ignored by git),
 * with freshly built @sessionkit packages in the copy's node_modules: the app consumes the
 * binding exactly as a user would (the exports map, the ESM build, the edge entry), and nothing
 * depends on a dist folder from an earlier build.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { cp, mkdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePortRange, PORT_RANGES } from '@sessionkit/testing';
import { build } from 'tsup';

const here = fileURLToPath(new URL('.', import.meta.url));
const packageDir = join(here, '..');
const packagesDir = join(packageDir, '..');

/** The installed Next.js versions: `next` is 16, `next15` an npm alias of 15. */
export type NextVersion = 15 | 16;

/** The workspace packages the fixture imports, and the entries each one publishes. */
/** The packages the fixture app installs; each is built with every entry its exports map lists. */
const PACKAGES = ['core', 'next', 'redis', 'file'];

export interface BuiltFixture {
  dir: string;
  version: NextVersion;
  nextBin: string;
  /** Removes the copy, build output included. */
  remove(): Promise<void>;
}

/** Copies the fixture, installs the freshly built packages and runs `next build`. */
export async function buildFixture(version: NextVersion): Promise<BuiltFixture> {
  const dir = join(packageDir, '.tmp', `fixture-next${version}-${process.pid}-${Date.now().toString(36)}`);
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    await mkdir(dir, { recursive: true });
    await cp(join(here, 'fixture'), dir, { recursive: true });
    const modules = join(dir, 'node_modules');
    await mkdir(join(modules, '@sessionkit'), { recursive: true });
    for (const name of PACKAGES) await buildPackage(name, modules);
    // Whatever the fixture or the binding imports from `next` must be the version under test.
    const nextDir = await realpath(join(packageDir, 'node_modules', version === 16 ? 'next' : 'next15'));
    await symlink(nextDir, join(modules, 'next'), 'dir');
    assertResolvesInside(dir, ['@sessionkit/next', '@sessionkit/core', 'next/package.json']);
    const nextBin = join(nextDir, 'dist', 'bin', 'next');
    const result = await run(process.execPath, [nextBin, 'build', dir], dir);
    if (result.code !== 0) {
      throw new Error(`next build (Next.js ${version}) failed with code ${result.code}:\n${result.output}`);
    }
    return { dir, version, nextBin, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/**
 * Guards against testing a stale build: the copy sits inside packages/next, so without its own
 * package.json `@sessionkit/next` would self-reference this repository's packages/next/dist.
 */
function assertResolvesInside(dir: string, specifiers: string[]): void {
  const require = createRequire(join(dir, 'app', 'layout.jsx'));
  for (const specifier of specifiers) {
    const resolved = realpathSync(require.resolve(specifier));
    const expected = specifier.startsWith('next/') ? realpathSync(join(dir, 'node_modules', 'next')) : dir;
    if (!resolved.startsWith(expected)) {
      throw new Error(`The fixture resolves ${specifier} to ${resolved}, outside ${expected}`);
    }
  }
}

async function buildPackage(name: string, modules: string): Promise<void> {
  const source = join(packagesDir, name);
  const manifest = await readFile(join(source, 'package.json'));
  // './edge' → src/edge.ts, '.' → src/index.ts; './package.json' is not code.
  const entries = Object.keys((JSON.parse(manifest.toString()) as { exports: object }).exports)
    .filter((key) => key !== './package.json')
    .map((key) => (key === '.' ? 'index' : key.slice(2)));
  const target = join(modules, '@sessionkit', name);
  await build({
    config: false,
    entry: Object.fromEntries(entries.map((entry) => [entry, join(source, 'src', `${entry}.ts`)])),
    outDir: join(target, 'dist'),
    format: ['esm', 'cjs'],
    target: 'node20',
    dts: false,
    splitting: false,
    silent: true,
    // Like the published packages: workspace siblings and peers stay imports.
    external: [/^@sessionkit\//, /^next(\/|$)/, 'react', 'ioredis'],
  });
  await writeFile(join(target, 'package.json'), manifest);
}

/** Environment of the fixture's server: which store it uses. */
export interface FixtureEnv {
  FIXTURE_STORE: 'memory' | 'redis' | 'file';
  FIXTURE_REDIS_URL?: string;
  FIXTURE_PREFIX?: string;
  FIXTURE_FILE_DIR?: string;
}

export interface RunningServer {
  origin: string;
  /** Everything the server printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `next start` on a free port of 127.0.0.1 and resolves once it answers HTTP. */
export async function startServer(fixture: BuiltFixture, env: FixtureEnv): Promise<RunningServer> {
  const port = await findFreePortRange(1, PORT_RANGES.http);
  const child = spawn(
    process.execPath,
    [fixture.nextBin, 'start', fixture.dir, '--port', String(port), '--hostname', '127.0.0.1'],
    { cwd: fixture.dir, env: childEnv({ ...env }), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const origin = `http://127.0.0.1:${port}`;
  const server: RunningServer = { origin, output: () => output, stop: () => stop(child, exited) };
  await waitUntilServing(origin, exited, () => output);
  return server;
}

/** Polls until the server answers (any status), failing at once if it exits. */
async function waitUntilServing(origin: string, exited: Promise<unknown>, output: () => string) {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`next start exited before serving:\n${output()}`);
    try {
      await fetch(`${origin}/api/whoami`, { signal: AbortSignal.timeout(2_000) });
      return;
    } catch {
      // Not listening yet: retry on the next turn of the poll.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`next start did not answer within 60 s:\n${output()}`);
}

async function stop(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** The test runner's environment minus what would change Next.js' behaviour (NODE_ENV=test). */
function childEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...extra };
  delete env.NODE_ENV;
  for (const key of Object.keys(env)) if (key.startsWith('VITEST')) delete env[key];
  // Next.js declares NODE_ENV as always present; the child gets it from `next` itself.
  return env as NodeJS.ProcessEnv;
}

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: childEnv({}), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}
