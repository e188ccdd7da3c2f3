/**
 * A minimal HTTP client with a cookie jar, standing in for a browser: it follows a redirect the
 * moment it arrives (no pause in between), optionally on another server process.
 */
import type { RunningServer } from './harness';

/** Every request gives up after this long, so a hanging response fails the test instead of stalling it. */
const REQUEST_TIMEOUT_MS = 15_000;

export interface Reply {
  status: number;
  location: string | null;
  setCookies: string[];
  headers: Headers;
  body: string;
}

export class Client {
  readonly jar = new Map<string, string>();

  /** The Cookie header this client sends. */
  get cookie(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async request(server: RunningServer, path: string, init: RequestInit = {}): Promise<Reply> {
    const headers = new Headers(init.headers);
    if (this.jar.size > 0 && !headers.has('cookie')) headers.set('cookie', this.cookie);
    const response = await fetch(`${server.origin}${path}`, {
      ...init,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const reply: Reply = {
      status: response.status,
      location: response.headers.get('location'),
      setCookies: response.headers.getSetCookie(),
      headers: response.headers,
      body: await response.text(),
    };
    for (const setCookie of reply.setCookies) this.#store(setCookie);
    return reply;
  }

  /** Requests `path` on `first`, then the redirect target on `second` as soon as the redirect arrives. */
  async followRedirect(
    first: RunningServer,
    path: string,
    second: RunningServer,
    init?: RequestInit,
  ): Promise<{ redirect: Reply; target: Reply }> {
    const redirect = await this.request(first, path, init);
    if (redirect.status < 300 || redirect.status > 399 || !redirect.location) {
      throw new Error(
        `expected a redirect from ${path}, got ${redirect.status}: ${redirect.body.slice(0, 500)}`,
      );
    }
    const url = new URL(redirect.location, first.origin);
    const target = await this.request(second, `${url.pathname}${url.search}`);
    return { redirect, target };
  }

  #store(setCookie: string): void {
    const [pair = ''] = setCookie.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (value === '' || /;\s*max-age=0(;|$)/i.test(setCookie)) this.jar.delete(name);
    else this.jar.set(name, value);
  }
}

export function json<T = Record<string, unknown>>(reply: Reply): T {
  try {
    return JSON.parse(reply.body) as T;
  } catch {
    throw new Error(`expected JSON, got ${reply.status}: ${reply.body.slice(0, 500)}`);
  }
}

/** The text of the element with this id in server-rendered HTML. */
export function textOf(html: string, id: string): string | undefined {
  return new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html)?.[1];
}
