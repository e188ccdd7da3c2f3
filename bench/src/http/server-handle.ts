import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { spawnTracked, stopChild } from '../infra/process';
import type { FromChild, ToChild } from './protocol';
import { type ChildEnv, type Variant, variantId } from './variants';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const BENCH_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** The parent's handle on one server child. */
export interface ServerHandle {
  variant: Variant;
  id: string;
  url: string;
  port: number;
  pid: number;
  /** Process CPU time in µs, read inside the child: user (JavaScript, V8, libuv) and system (the kernel). */
  cpuTimes(): Promise<CpuTimes>;
  /** Starts the child's V8 profiler, or stops it and has the child write the profile to `file`. */
  profile(action: 'start' | 'stop', file?: string): Promise<void>;
  stop(): Promise<void>;
}

/** What process.cpuUsage() reports, in µs. */
export interface CpuTimes {
  user: number;
  system: number;
}

let sequence = 0;

/** Services the children connect to. */
export interface Services {
  redisUrl?: string;
  postgresUrl?: string;
  mysqlUrl?: string;
  fileDir?: string;
}

export async function startServer(
  variant: Variant,
  services: Services,
  extra: Partial<ChildEnv> = {},
): Promise<ServerHandle> {
  const prefix = `b${process.pid}x${++sequence}`;
  const env: ChildEnv = {
    BENCH_VARIANT: JSON.stringify(variant),
    BENCH_PREFIX: prefix,
    ...(services.redisUrl ? { BENCH_REDIS_URL: services.redisUrl } : {}),
    ...(services.postgresUrl ? { BENCH_POSTGRES_URL: services.postgresUrl } : {}),
    ...(services.mysqlUrl ? { BENCH_MYSQL_URL: services.mysqlUrl } : {}),
    ...(services.fileDir ? { BENCH_FILE_DIR: services.fileDir } : {}),
    ...extra,
  };
  const child: ChildProcess = spawnTracked(process.execPath, ['--import', 'tsx', CHILD], {
    cwd: BENCH_DIR,
    // NODE_ENV=production: what a deployed server runs with (Express and others skip dev work).
    env: { ...process.env, ...env, NODE_ENV: 'production' },
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  // express-session warns once per process that MemoryStore is not for production; that is
  // known and on purpose here, so only that warning is dropped from the child's stderr.
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
    const lines = stderr.split('\n');
    stderr = lines.pop() ?? '';
    for (const line of lines) {
      if (!/MemoryStore is not|designed for a production environment|memory, and will not scale/.test(line)) {
        process.stderr.write(`[${variantId(variant)}] ${line}\n`);
      }
    }
  });
  const port = await new Promise<number>((resolve, reject) => {
    const onMessage = (message: FromChild) => {
      if (message.type === 'ready') resolve(message.port);
      else if (message.type === 'failed')
        reject(new Error(`${variantId(variant)} failed to start:\n${message.error}`));
    };
    child.on('message', onMessage);
    child.once('exit', (code) =>
      reject(new Error(`${variantId(variant)} exited with ${code} before listening`)),
    );
  });
  let ask = 0;
  return {
    variant,
    id: variantId(variant),
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid as number,
    cpuTimes() {
      const id = ++ask;
      return new Promise((resolve, reject) => {
        const onMessage = (message: FromChild) => {
          if (message.type !== 'cpu' || message.id !== id) return;
          child.off('message', onMessage);
          resolve({ user: message.user, system: message.system });
        };
        child.on('message', onMessage);
        if (!child.send({ type: 'cpu', id } satisfies ToChild)) reject(new Error('server child is gone'));
      });
    },
    profile(action, file = '') {
      const id = ++ask;
      return new Promise((resolve, reject) => {
        const onMessage = (message: FromChild) => {
          if (message.type !== 'profiled' || message.id !== id) return;
          child.off('message', onMessage);
          resolve();
        };
        child.on('message', onMessage);
        const message: ToChild =
          action === 'start' ? { type: 'profile', id, action } : { type: 'profile', id, action, file };
        if (!child.send(message)) reject(new Error('server child is gone'));
      });
    },
    async stop() {
      if (child.exitCode === null && child.connected) {
        // A clean close first (the app closes its store), then a signal if it hangs.
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.send({ type: 'close' } satisfies ToChild);
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      }
      await stopChild(child, 'SIGTERM', 10_000);
    },
  };
}

/** One GET with an optional Cookie header; resolves the status, the body and the cookie pairs set. */
export function get(
  url: string,
  cookie?: string,
): Promise<{ status: number; body: string; setCookies: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: cookie ? { cookie } : {}, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        const setCookies = (res.headers['set-cookie'] ?? []).map((line) => line.split(';')[0] as string);
        resolve({ status: res.statusCode ?? 0, body, setCookies });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Creates `count` sessions through /seed and returns each one's Cookie header. */
export async function seedSessions(server: ServerHandle, count: number, anon = false): Promise<string[]> {
  const cookies: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await get(`${server.url}/seed?i=${i}${anon ? '&anon=1' : ''}`);
    if (res.status !== 200) throw new Error(`${server.id} /seed answered ${res.status}: ${res.body}`);
    cookies.push(res.setCookies.join('; '));
  }
  return cookies;
}
