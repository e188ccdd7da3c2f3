// One app node: a plain node:http server using sessionkit's framework-agnostic core directly.
// Every node points at the same session directory, so any node can serve any request.
import { createServer } from 'node:http';
import { createSessionManager, createStoreFromConfig } from '@sessionkit/core';

const { NODE_NAME = 'node', PORT = '0', SESSION_DIR, SESSION_SECRET, SESSIONKIT_STORE } = process.env;

// One environment variable switches the store: SESSIONKIT_STORE=redis://127.0.0.1:6379 or
// postgres://postgres@127.0.0.1:5432/test; without it, the file store in the shared directory.
const store = await createStoreFromConfig(SESSIONKIT_STORE || { type: 'file', directory: SESSION_DIR });

const sessions = createSessionManager({
  store,
  secrets: [SESSION_SECRET],
  // The demo runs over plain http on 127.0.0.1, where a Secure cookie would not be sent back.
  cookie: { secure: false },
  verifyOnStart: 'fail',
});
// verifyOnStart 'fail': refuse to start on a store that cannot work (a wrong password, a read-only
// user, a missing table or column, a clock far off); the error lists every problem and its fix.
await sessions.ready;

const server = createServer(async (req, res) => {
  if (req.url === '/healthz') return res.end('ok');
  try {
    const session = await sessions.load(req.headers.cookie);
    // update() re-runs on the freshest value if another node wrote in between, so no count is lost.
    const count = session.update('count', (n = 0) => n + 1);
    const setCookie = await sessions.commit(session);
    if (setCookie) res.setHeader('set-cookie', setCookie);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ node: NODE_NAME, count }));
  } catch (error) {
    res.statusCode = 503;
    // The code for programs, the message (which names the store and the cause) for people.
    res.end(JSON.stringify({ node: NODE_NAME, code: error.code ?? 'ERROR', error: error.message }));
  }
});

server.listen(Number(PORT), '127.0.0.1', () => {
  process.send?.({ ready: true, port: server.address().port });
});
process.on('SIGTERM', () => server.close(() => store.close().finally(() => process.exit(0))));
