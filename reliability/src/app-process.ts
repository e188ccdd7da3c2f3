/**
 * Starts app nodes (src/app-server.ts) as child processes and talks to them over IPC: readiness,
 * heap after GC, request statistics. A node's exit is recorded, so a test can assert that no node
 * crashed and show the node's last output when one did.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnTracked, tail, terminate } from '@sessionkit/testing';
import {
  APP_CONFIG_ENV,
  type AppConfig,
  type AppMessage,
  type AppRequest,
  type AppStats,
} from './app-config';

const SERVER_ENTRY = fileURLToPath(new URL('./app-server.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** How a node ended. */
export interface AppExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Wall-clock time of the exit. */
  at: number;
}

/** Heap figures reported by a node after forced garbage collection. */
export interface HeapSample {
  heapUsed: number;
  rss: number;
  external: number;
}

/** A running app node. */
export interface AppProcess {
  readonly node: string;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Set once the process has exited (crash, kill or stop). */
  readonly exit: AppExit | null;
  /** Heap after GC (the node must have been started with `gc: true`). */
  heap(): Promise<HeapSample>;
  stats(): Promise<AppStats>;
  /** Kills the node with SIGKILL (a crash) and waits until it is gone. */
  kill(): Promise<void>;
  /** Stops the node (SIGTERM, SIGKILL after 5 s). */
  stop(): Promise<void>;
  /** The end of the node's stdout and stderr. */
  output(): string;
}

/** Options of {@link startApp}. */
export interface StartAppOptions {
  /** Expose `gc()` so {@link AppProcess.heap} measures after collection. @default false */
  gc?: boolean;
  /** Bound on startup (tsx compiles the sources on first load). @default 60_000 */
  timeoutMs?: number;
  /** Extra environment (NODE_ENV and friends). */
  env?: Record<string, string>;
}

/**
 * Starts one app node and resolves once it listens.
 *
 * @example
 * const node = await startApp({ node: 'a', store: { kind: 'memory' }, secrets: [SECRET] });
 * await fetch(`${node.url}/health`);
 * await node.stop();
 */
export async function startApp(config: AppConfig, options: StartAppOptions = {}): Promise<AppProcess> {
  const args = [...(options.gc ? ['--expose-gc'] : []), '--import', 'tsx', SERVER_ENTRY];
  const child: ChildProcess = spawnTracked(process.execPath, args, {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      ...options.env,
      // The root tsconfig's paths send @sessionkit/* to the TypeScript sources: no build needed.
      TSX_TSCONFIG_PATH: join(REPO_ROOT, 'tsconfig.json'),
      [APP_CONFIG_ENV]: JSON.stringify(config),
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const out = tail(child.stdout);
  const err = tail(child.stderr);
  const output = () => `${out()}${err()}`;
  let exit: AppExit | null = null;
  child.once('exit', (code, signal) => {
    exit = { code, signal, at: Date.now() };
  });

  const pending = new Map<number, (message: AppMessage) => void>();
  let nextId = 1;
  child.on('message', (message: AppMessage) => {
    if (message.type === 'heap' || message.type === 'stats') {
      pending.get(message.id)?.(message);
      pending.delete(message.id);
    }
  });
  const ask = <T extends AppMessage>(type: AppRequest['type']): Promise<T> =>
    new Promise((resolve, reject) => {
      if (exit) return reject(new Error(`node ${config.node} has exited`));
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`node ${config.node} did not answer "${type}" within 30 s`));
      }, 30_000);
      pending.set(id, (message) => {
        clearTimeout(timer);
        resolve(message as T);
      });
      const request: AppRequest = { type, id };
      child.send(request);
    });

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`node ${config.node} did not start within ${options.timeoutMs ?? 60_000} ms:\n${output()}`),
      );
    }, options.timeoutMs ?? 60_000);
    child.on('message', (message: AppMessage) => {
      if (message.type !== 'ready') return;
      clearTimeout(timer);
      resolve(message.port);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`node ${config.node} exited during startup (${code ?? signal}):\n${output()}`));
    });
  });

  return {
    node: config.node,
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid as number,
    get exit() {
      return exit;
    },
    async heap() {
      const { heapUsed, rss, external } = await ask<Extract<AppMessage, { type: 'heap' }>>('heap');
      return { heapUsed, rss, external };
    },
    async stats() {
      return (await ask<Extract<AppMessage, { type: 'stats' }>>('stats')).stats;
    },
    kill: () => terminate(child, 'SIGKILL'),
    stop: () => terminate(child, 'SIGTERM', 5_000),
    output,
  };
}
