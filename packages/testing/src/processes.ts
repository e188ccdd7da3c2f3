/**
 * Child-process plumbing for the private servers and app nodes the test suites start, stop and kill.
 * Only processes started here are ever signalled, always by their own PID; the shared servers of
 * the machine (6379, 5432, 3306, the shared Redis topology) are never touched.
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

// Everything still running when the test process exits is killed, so a failed assertion that
// skipped a test's cleanup (or a Ctrl-C, on which vitest exits without its teardown) never
// leaves a server holding a port.
const live = new Set<ChildProcess>();
const exitHooks = new Set<() => void>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
  for (const hook of exitHooks) {
    try {
      hook();
    } catch {
      // best effort: the process is going away
    }
  }
});

/**
 * Runs `hook` synchronously when this process exits, unless the returned function is called
 * first: the last-resort cleanup of servers that are not children (daemons) and of temp dirs.
 */
export function onExit(hook: () => void): () => void {
  exitHooks.add(hook);
  return () => exitHooks.delete(hook);
}

/** Spawns a tracked child: it is SIGKILLed when this process exits, if still running. */
export function spawnTracked(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, options);
  live.add(child);
  child.once('exit', () => live.delete(child));
  // A spawn failure (ENOENT, EACCES) surfaces through the caller's readiness wait, not as a crash.
  child.once('error', () => live.delete(child));
  return child;
}

/** Resolves when the child has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Sends `signal` to the child and waits for it to exit; escalates to SIGKILL after `graceMs`.
 * Resolves once the process is gone, so the port it held can be reused.
 */
export async function terminate(
  child: ChildProcess,
  signal: NodeJS.Signals,
  graceMs = 10_000,
): Promise<void> {
  const gone = exited(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const escalate = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(escalate);
}

/** Polls `condition` until it holds; rejects naming `what` after `timeoutMs`. Bounded by design. */
export async function pollUntil(
  what: string,
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = 30_000, intervalMs = 25 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await condition()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
    }
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The first executable found among `candidates` (absolute paths or names on PATH), or null. */
export function findExecutable(candidates: readonly string[]): string | null {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const candidate of candidates) {
    const paths = candidate.includes('/') ? [candidate] : dirs.map((dir) => join(dir, candidate));
    for (const path of paths) {
      try {
        accessSync(path, constants.X_OK);
        return path;
      } catch {
        // not there; try the next one
      }
    }
  }
  return null;
}

/** uid and gid of a system account, or null when it does not exist. */
export function accountIds(name: string): { uid: number; gid: number } | null {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [user, , uid, gid] = line.split(':');
      if (user === name && uid !== undefined && gid !== undefined)
        return { uid: Number(uid), gid: Number(gid) };
    }
  } catch {
    // no /etc/passwd: not a system where we switch users
  }
  return null;
}

/** Keeps the last `limit` characters of a stream, for error messages after a crash. */
export function tail(stream: NodeJS.ReadableStream | null | undefined, limit = 16_384): () => string {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    text = (text + chunk).slice(-limit);
  });
  return () => text;
}
