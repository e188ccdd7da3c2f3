/**
 * Private servers on demand. The run's globalSetup cannot know which backends the selected test
 * files need (`vitest run --project core` needs none; a file filter may pick one store), so it
 * does not start them up front: it listens on a Unix socket in a temp directory, and the first
 * test file that provisions a backend asks it to start that backend's server. Every later request
 * gets the same server. The socket's path reaches the forked workers through the environment.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Backend, isBackend } from './backends';
import { onExit } from './processes';

/** The variable through which the globalSetup hands the broker's socket to the test workers. */
export const PRIVATE_BROKER_ENV = 'SESSIONKIT_PRIVATE_SERVERS';

/** A listening broker; see {@link startPrivateBroker}. */
export interface PrivateBroker {
  /** The Unix socket's path. */
  socket: string;
  /** Stops listening and deletes the socket's directory (the servers are the caller's to stop). */
  close(): Promise<void>;
}

/**
 * Listens for `GET /<backend>` and answers `{ url }` from `start(backend)`, or `{ error }` with
 * status 500 when it rejects. `start` is called concurrently for different backends; memoizing
 * it (one server per backend) is the caller's job.
 */
export async function startPrivateBroker(
  start: (backend: Backend) => Promise<string>,
): Promise<PrivateBroker> {
  // A short path: a Unix socket's path is limited to about 100 bytes.
  const dir = mkdtempSync(join(tmpdir(), 'sk-broker-'));
  const socket = join(dir, 'broker.sock');
  // A Ctrl-C ends vitest without its teardown: the directory goes with the process all the same.
  const forget = onExit(() => rmSync(dir, { recursive: true, force: true }));
  const server = createServer((req, res) => {
    const backend = (req.url ?? '').slice(1);
    const answer = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!isBackend(backend)) {
      answer(404, { error: `not a backend: ${JSON.stringify(backend)}` });
      return;
    }
    start(backend).then(
      (url) => answer(200, { url }),
      (error: Error) => answer(500, { error: error.message }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve());
  });
  return {
    socket,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
      forget();
    },
  };
}

/**
 * Asks the broker at `socket` for the private server of `backend`, starting it if this is the
 * first request of the run. Rejects with the broker's message when the server could not start
 * (binaries that are there but fail are an error, not a skip).
 */
export function requestPrivateServer(socket: string, backend: Backend): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ socketPath: socket, path: `/${backend}` }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        try {
          const answer = JSON.parse(body) as { url?: string; error?: string };
          if (res.statusCode === 200 && answer.url) resolve(answer.url);
          else reject(new Error(answer.error ?? `the private-server broker answered ${res.statusCode}`));
        } catch (error) {
          reject(new Error(`the private-server broker answered ${JSON.stringify(body)}`, { cause: error }));
        }
      });
    });
    req.on('error', (error) =>
      reject(new Error(`the private-server broker at ${socket} did not answer: ${error.message}`)),
    );
  });
}
