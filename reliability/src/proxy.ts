/**
 * A round-robin reverse proxy on 127.0.0.1, without stickiness: each request goes to the next
 * live node. A node that refuses a connection is marked down and the request goes to the next
 * one (nothing reached the dead node, so that retry is safe); a node that drops a request it had
 * received is marked down too, but that request gets a 502, since it may have been processed.
 * Down nodes are probed on /health and come back when they answer.
 */
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One upstream node. */
export interface ProxyTarget {
  name: string;
  port: number;
}

/** A running proxy. */
export interface RoundRobinProxy {
  readonly url: string;
  /** Requests forwarded per node name. */
  readonly forwarded: ReadonlyMap<string, number>;
  /** Requests answered 502 because a node dropped them. */
  readonly dropped: number;
  /** Requests re-sent to another node after a refused connection. */
  readonly rerouted: number;
  /** Nodes currently marked down. */
  readonly down: ReadonlySet<string>;
  close(): Promise<void>;
}

const HEALTH_INTERVAL_MS = 500;

/** Starts the proxy in front of `targets`. */
export async function startRoundRobinProxy(targets: readonly ProxyTarget[]): Promise<RoundRobinProxy> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const forwarded = new Map<string, number>(targets.map((t) => [t.name, 0]));
  const down = new Set<string>();
  let next = 0;
  let dropped = 0;
  let rerouted = 0;

  const pick = (): ProxyTarget | null => {
    for (let i = 0; i < targets.length; i++) {
      const target = targets[next++ % targets.length] as ProxyTarget;
      if (!down.has(target.name)) return target;
    }
    return null;
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      // Every live node at most once per request.
      const forward = (attemptsLeft: number) => {
        const target = pick();
        if (target === null || attemptsLeft === 0) {
          res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"NO_UPSTREAM"}');
          return;
        }
        forwarded.set(target.name, (forwarded.get(target.name) ?? 0) + 1);
        const upstream = request(
          {
            host: '127.0.0.1',
            port: target.port,
            method: req.method,
            path: req.url,
            headers: req.headers,
            agent,
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on('error', (error: NodeJS.ErrnoException) => {
          down.add(target.name);
          if (error.code === 'ECONNREFUSED') {
            rerouted++;
            forward(attemptsLeft - 1);
          } else if (!res.headersSent) {
            dropped++;
            res
              .writeHead(502, { 'content-type': 'application/json' })
              .end(JSON.stringify({ error: 'UPSTREAM_DROPPED', node: target.name }));
          } else {
            res.destroy();
          }
        });
        upstream.end(body);
      };
      forward(targets.length);
    });
  });

  const probe = setInterval(() => {
    for (const target of targets) {
      if (!down.has(target.name)) continue;
      const check = request(
        { host: '127.0.0.1', port: target.port, path: '/health', timeout: 400 },
        (answer) => {
          answer.resume();
          if (answer.statusCode === 200) down.delete(target.name);
        },
      );
      check.on('timeout', () => check.destroy());
      check.on('error', () => undefined);
      check.end();
    }
  }, HEALTH_INTERVAL_MS);
  probe.unref();

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    forwarded,
    get dropped() {
      return dropped;
    },
    get rerouted() {
      return rerouted;
    },
    down,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(probe);
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
