// A tiny round-robin reverse proxy: each request goes to the next node, with no stickiness,
// which is exactly the situation shared sessions are for.
import { createServer, request as httpRequest } from 'node:http';

/** Starts the proxy on 127.0.0.1; resolves with the server once it listens. */
export function startProxy(targets, port = 0) {
  let next = 0;
  const server = createServer((req, res) => {
    const target = targets[next++ % targets.length];
    const upstream = httpRequest(
      { host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.statusCode = 502;
      res.end(JSON.stringify({ error: 'upstream unavailable', port: target }));
    });
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
