import autocannon, { type AutocannonRequest } from 'autocannon';
import { type LoadWindow, load1 } from '../lib/machine';
import type { ServerHandle } from './server-handle';

/** The requests of one scenario: a path and the cookie(s) to send with it. */
export interface Scenario {
  /** Key used in result tables, e.g. "read/200". */
  key: string;
  route: 'read' | 'write' | 'login';
  /** 'shared': every request carries one session; 'rr': 200 sessions round-robin; 'none': no cookie. */
  sessions: 'shared' | 'rr' | 'none';
}

/** One measured window against one server. */
export interface LoadSample {
  requests: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  /** Server CPU time (user + system) per completed request, in µs. */
  cpuPerRequest: number;
  /**
   * The kernel's part of cpuPerRequest (system time): socket reads and writes, and on loopback
   * the delivery to the load generator and its wake-up. Absent from results older than this field.
   */
  systemCpuPerRequest?: number;
  errors: number;
  load: LoadWindow;
}

export interface LoadOptions {
  durationSec: number;
  connections: number;
}

/**
 * Drives the server with autocannon (in this process) for a fixed time and reads the server's own
 * CPU time before and after. Every request of a round-robin scenario takes the next of the
 * seeded sessions, from one counter shared by all connections, so concurrent requests rarely
 * hit the same session.
 */
export async function measure(
  server: ServerHandle,
  scenario: Scenario,
  cookies: readonly string[],
  options: LoadOptions,
): Promise<LoadSample> {
  const path = `/${scenario.route}`;
  let requests: AutocannonRequest[];
  if (scenario.sessions === 'none' || cookies.length === 0 || cookies[0] === '') {
    requests = [{ method: 'GET', path }];
  } else if (scenario.sessions === 'shared') {
    requests = [{ method: 'GET', path, headers: { cookie: cookies[0] as string } }];
  } else {
    let next = 0;
    requests = [
      {
        method: 'GET',
        path,
        setupRequest: (request) => ({
          ...request,
          headers: { cookie: cookies[next++ % cookies.length] as string },
        }),
      },
    ];
  }
  const loadStart = load1();
  const cpuStart = await server.cpuTimes();
  const result = await autocannon({
    url: server.url,
    connections: options.connections,
    pipelining: 1,
    duration: options.durationSec,
    timeout: 10,
    requests,
  });
  const cpuEnd = await server.cpuTimes();
  const completed = result['2xx'] + result.non2xx;
  const seconds = (result.finish.getTime() - result.start.getTime()) / 1000;
  return {
    requests: completed,
    reqPerSec: completed / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuPerRequest: (cpuEnd.user + cpuEnd.system - cpuStart.user - cpuStart.system) / Math.max(1, completed),
    systemCpuPerRequest: (cpuEnd.system - cpuStart.system) / Math.max(1, completed),
    errors: result.errors + result.timeouts + result.non2xx,
    load: { start: loadStart, end: load1() },
  };
}
