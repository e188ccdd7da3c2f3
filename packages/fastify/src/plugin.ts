import { type Session, type SessionManagerInput, toSessionManager } from '@sessionkit/core';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';

/**
 * The shape of your session data, for `request.session`. Declare it once in your app:
 *
 * @example
 * declare module '@sessionkit/fastify' {
 *   interface FastifySessionData {
 *     userId: string;
 *     cart: string[];
 *   }
 * }
 */
export interface FastifySessionData {
  [key: string]: unknown;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's session, loaded by @sessionkit/fastify in the onRequest hook. */
    session: Session<FastifySessionData>;
  }
}

/**
 * The Fastify 5 plugin: loads the session into `request.session` in an onRequest hook and
 * commits it in an onSend hook, which Fastify runs before it writes the response head (streamed
 * bodies included), so a client following a redirect always sees what the handler stored.
 *
 * The plugin options are what every sessionkit binding takes: a ready `SessionManager`, or the
 * options to create one with (`store`, `secrets`, ...).
 *
 * A store failure under the default 'fail-closed' policy becomes the reply's error: your error
 * handler (setErrorHandler) or Fastify's default 500 answers, without the handler's payload.
 * Responses sent with `reply.hijack()` skip the hooks, so their session is not committed.
 *
 * The plugin is not encapsulated (like one wrapped in fastify-plugin): register it once at the
 * root and every route sees `request.session`.
 *
 * @example
 * import Fastify from 'fastify';
 * import { createMemoryStore } from '@sessionkit/core';
 * import { sessionPlugin } from '@sessionkit/fastify';
 *
 * const app = Fastify();
 * await app.register(sessionPlugin, { store: createMemoryStore(), secrets: [process.env.SESSION_SECRET!] });
 * app.post('/login', async (request, reply) => {
 *   request.session.regenerate();
 *   request.session.set('userId', 'u1');
 *   return reply.redirect('/');
 * });
 */
/** Marks a request whose session was committed (see the onSend hook). */
const COMMITTED = Symbol('sessionkit.committed');

export const sessionPlugin: FastifyPluginAsync<SessionManagerInput<FastifySessionData>> = async (
  fastify,
  options,
) => {
  const manager = toSessionManager(options);
  fastify.decorateRequest('session');
  // Set once the request's session was committed: onSend runs again when an error reply
  // replaces the payload. A request decoration, not a WeakSet: no entry for the GC to trace.
  fastify.decorateRequest(COMMITTED, false);
  // Callback hooks: Fastify calls `done` straight from the manager's promise. A hook returning a
  // promise costs one more promise and microtask turn each (Fastify chains its own on it).
  fastify.addHook('onRequest', (request, _reply, done) => {
    manager.load(request.headers.cookie).then((session) => {
      request.session = session;
      done();
    }, done);
  });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    // No session: its load failed, and this is the error reply for that.
    const marked = request as FastifyRequest & { [COMMITTED]: boolean };
    if (!request.session || marked[COMMITTED]) {
      done(null, payload);
      return;
    }
    marked[COMMITTED] = true;
    manager.commit(request.session).then((setCookie) => {
      // Fastify appends to an existing set-cookie header rather than replacing it.
      if (setCookie) reply.header('set-cookie', setCookie);
      // `done` goes on to write the head, which throws on a header value Node refuses. Handed
      // back to `done`, that becomes Fastify's error reply, as it does for a hook returning a
      // promise; thrown here, it would be an unhandled rejection and a reply never sent.
      try {
        done(null, payload);
      } catch (error) {
        done(error as Error);
      }
    }, done);
  });
};

// Not encapsulated: the hooks and the decorator apply to the whole app (what fastify-plugin does).
Object.assign(sessionPlugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@sessionkit/fastify',
  [Symbol.for('plugin-meta')]: { name: '@sessionkit/fastify', fastify: '5.x' },
});
