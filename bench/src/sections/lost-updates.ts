import { Agent, request } from 'node:http';
import { get, type ServerHandle, type Services, seedSessions, startServer } from '../http/server-handle';
import { type Variant, variantLabel } from '../http/variants';
import type { Profile } from '../profile';

export interface LostUpdateRow {
  label: string;
  processes: number;
  requests: number;
  /** Requests that did not answer 200 (a library that gives up on a conflict would show here). */
  failed: number;
  /** Of the per-request keys, how many the session lacks afterwards. */
  lostKeys: number;
  /** How far the shared counter fell short of the number of successful requests. */
  counterDeficit: number;
  counter: number;
  elapsedMs: number;
}

interface Case {
  variant: Variant;
  processes: number;
}

function cases(profile: Profile): Case[] {
  const one = (
    framework: Variant['framework'],
    library: Variant['library'],
    store: Variant['store'],
  ): Case => ({
    variant: { framework, library, store },
    processes: 1,
  });
  if (profile.quick) return [one('express', 'sessionkit', 'redis'), one('express', 'peer', 'redis')];
  return [
    one('express', 'sessionkit', 'memory'),
    one('express', 'peer', 'memory'),
    one('express', 'sessionkit', 'redis'),
    one('express', 'peer', 'redis'),
    { variant: { framework: 'express', library: 'sessionkit', store: 'redis' }, processes: 2 },
    { variant: { framework: 'express', library: 'peer', store: 'redis' }, processes: 2 },
    one('fastify', 'sessionkit', 'redis'),
    one('fastify', 'peer', 'memory'),
    one('fastify', 'peer', 'redis'),
    one('koa', 'sessionkit', 'redis'),
    one('koa', 'peer', 'cookie'),
    one('koa', 'peer', 'redis'),
    one('express', 'sessionkit', 'file'),
    one('express', 'sessionkit', 'mariadb'),
    one('express', 'sessionkit', 'postgres'),
  ];
}

/** A browser-like jar: the Set-Cookie of the last response to arrive wins. */
function send(agent: Agent, url: string, jar: { cookie: string }): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent, headers: { cookie: jar.cookie } }, (res) => {
      res.resume();
      res.on('end', () => {
        const set = res.headers['set-cookie'];
        if (set && set.length > 0) jar.cookie = set.map((line) => line.split(';')[0]).join('; ');
        resolve(res.statusCode ?? 0);
      });
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

/**
 * 1,000 requests at once over 50 keep-alive connections, all on ONE session: each sets its own key
 * and increments one shared counter (sessionkit through `session.update`, the others with the
 * idiomatic read-modify-write). Afterwards the session is read back: every missing key and every
 * missing increment is a lost update. With two processes, requests alternate between them, as
 * behind a round-robin load balancer.
 */
export async function runLostUpdates(
  services: Services,
  profile: Profile,
  log: (line: string) => void,
): Promise<LostUpdateRow[]> {
  const rows: LostUpdateRow[] = [];
  const { requests: total, connections } = profile.lostUpdates;
  for (const { variant, processes } of cases(profile)) {
    const servers: ServerHandle[] = [];
    // One key prefix for all processes of a case: they are one app sharing one store.
    const shared = { BENCH_PREFIX: `lost${process.pid}x${rows.length}` };
    for (let i = 0; i < processes; i++) servers.push(await startServer(variant, services, shared));
    const agent = new Agent({ keepAlive: true, maxSockets: Math.ceil(connections / processes) });
    try {
      const [cookie = ''] = await seedSessions(servers[0] as ServerHandle, 1);
      const jar = { cookie };
      const started = performance.now();
      const statuses = await Promise.all(
        Array.from({ length: total }, (_, i) =>
          send(agent, `${(servers[i % processes] as ServerHandle).url}/lost?k=${i}`, jar),
        ),
      );
      const elapsedMs = performance.now() - started;
      const ok = statuses.filter((status) => status === 200).length;
      const dump = await get(`${(servers[0] as ServerHandle).url}/dump?n=${total}`, jar.cookie);
      const { keys, counter } = JSON.parse(dump.body) as { keys: number; counter: number };
      const row: LostUpdateRow = {
        label: variantLabel(variant),
        processes,
        requests: total,
        failed: total - ok,
        lostKeys: ok - keys,
        counterDeficit: ok - counter,
        counter,
        elapsedMs,
      };
      rows.push(row);
      log(
        `  ${row.label} ×${processes}: ${row.lostKeys} keys lost, counter ${counter}/${ok}, ` +
          `${row.failed} failed, ${Math.round(elapsedMs)} ms`,
      );
    } finally {
      agent.destroy();
      await Promise.all(servers.map((server) => server.stop()));
    }
  }
  return rows;
}
