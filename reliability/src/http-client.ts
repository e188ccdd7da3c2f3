/**
 * A small HTTP client on node:http with keep-alive, for load generation: cheaper per request than
 * fetch, and every request is bounded by a timeout so a hung server shows up as a failed request
 * rather than a stuck test.
 */
import { Agent, type IncomingHttpHeaders, request } from 'node:http';

/** One request's outcome; `status` 0 means no HTTP response (refused, reset, timed out). */
export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The transport error, when there was no response. */
  error: string | null;
  startedAt: number;
  endedAt: number;
}

/** A keep-alive agent sized for `sockets` requests in flight. */
export function keepAliveAgent(sockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
}

/** Sends one request; never rejects. */
export function send(
  url: string,
  {
    method = 'GET',
    headers = {},
    timeoutMs = 15_000,
    agent,
  }: {
    method?: string;
    headers?: Record<string, string>;
    timeoutMs?: number;
    agent?: Agent;
  } = {},
): Promise<HttpResult> {
  const startedAt = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: Omit<HttpResult, 'startedAt' | 'endedAt'>) => {
      if (settled) return;
      settled = true;
      resolve({ ...result, startedAt, endedAt: Date.now() });
    };
    const req = request(url, { method, headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body, error: null }));
      res.on('error', (error) => done({ status: 0, headers: {}, body, error: error.message }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) =>
      done({ status: 0, headers: {}, body: '', error: error.code ?? error.message }),
    );
    req.end();
  });
}

/** Percentile (0-100) of a list of numbers; 0 for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? 0;
}
