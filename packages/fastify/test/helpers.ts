/**
 * Test plumbing of the Fastify binding. The HTTP client, the server helper, the store
 * variants (memory, and Redis when provisioned) and fault injection are shared through
 * @sessionkit/testing.
 */
import type { AddressInfo } from 'node:net';
import { createRedisStore } from '@sessionkit/redis';
import { storeVariants as sharedVariants } from '@sessionkit/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { onTestFinished } from 'vitest';

export { Client, faultyStore, type StoreVariant } from '@sessionkit/testing';

export const SECRET = 'fastify-plugin-test-secret-0123456789-ab';

/** A Fastify app closed when the current test finishes. */
export function createApp(): FastifyInstance {
  const app = Fastify({ forceCloseConnections: true });
  onTestFinished(() => app.close());
  return app;
}

/** Starts `app` on an ephemeral port of 127.0.0.1 and resolves its base URL. */
export async function serve(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/** The memory store, and Redis when SESSIONKIT_REDIS_URL (or a container runtime) provides one. */
export const storeVariants = () => sharedVariants('fastify', createRedisStore);
