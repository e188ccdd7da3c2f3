/**
 * Test plumbing of the Koa binding. The HTTP client, the server helper, the store
 * variants (memory, and Redis when provisioned) and fault injection are shared through
 * @sessionkit/testing.
 */

import { createRedisStore } from '@sessionkit/redis';
import { storeVariants as sharedVariants } from '@sessionkit/testing';
import Koa3 from 'koa';
import Koa2 from 'koa2';

export { Client, faultyStore, type StoreVariant, serve } from '@sessionkit/testing';

export const SECRET = 'koa-binding-test-secret-0123456789-abc';

/** Both supported major versions, run through the same tests. */
export const KOA_VERSIONS = [
  { name: 'koa 3', Koa: Koa3 },
  { name: 'koa 2', Koa: Koa2 as unknown as typeof Koa3 },
] as const;

/** The memory store, and Redis when SESSIONKIT_REDIS_URL (or a container runtime) provides one. */
export const storeVariants = () => sharedVariants('koa', createRedisStore);
