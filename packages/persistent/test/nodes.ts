/** Application nodes for the process tests: child processes running fixtures/node.ts. */
import type { NodeConfig } from './fixtures/node';
import { type Child, runFixture } from './helpers';

export interface Reply {
  status: number;
  body: { id: string; data: Record<string, unknown> };
  /** The `name=value` pair of the Set-Cookie header, or null when none was sent. */
  cookie: string | null;
}

export interface AppNode {
  child: Child;
  port: number;
  get(path: string, cookie?: string | null): Promise<Reply>;
  post(path: string, cookie?: string | null): Promise<Reply>;
  stats(): Promise<Record<string, number> & { load: { busy: boolean; eventLoopDelay: number } | null }>;
}

/** Starts a node and waits until it accepts requests. */
export async function startNode(config: NodeConfig): Promise<AppNode> {
  // JSON has no Infinity; the fixture revives this marker.
  const json = JSON.stringify(config, (_, value) =>
    value === Number.POSITIVE_INFINITY ? 'Infinity' : value,
  );
  const child = runFixture('node', [json]);
  const port = Number(await child.line('listening '));
  const request = async (method: string, path: string, cookie?: string | null): Promise<Reply> => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: cookie ? { cookie } : {},
    });
    const setCookie = response.headers.get('set-cookie');
    const body = (await response.json()) as Reply['body'];
    if (response.status !== 200)
      throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(body)}`);
    return { status: response.status, body, cookie: setCookie ? (setCookie.split(';')[0] as string) : null };
  };
  return {
    child,
    port,
    get: (path, cookie) => request('GET', path, cookie),
    post: (path, cookie) => request('POST', path, cookie),
    stats: async () => (await fetch(`http://127.0.0.1:${port}/stats`)).json() as ReturnType<AppNode['stats']>,
  };
}

/** Runs `task` over `items`, `limit` at a time, keeping the results in order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
) {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index] as T, index);
      }
    }),
  );
  return results;
}
