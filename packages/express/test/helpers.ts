/**
 * Test plumbing of the Express binding. The HTTP client, the server helper, the store
 * variants (memory, and Redis when provisioned) and fault injection are shared through
 * @sessionkit/testing.
 */

import { createRedisStore } from '@sessionkit/redis';
import { storeVariants as sharedVariants } from '@sessionkit/testing';
import express5 from 'express';
import express4 from 'express4';

export { Client, faultyStore, type StoreVariant, serve } from '@sessionkit/testing';

export const SECRET = 'express-binding-test-secret-0123456789';

/** Both supported major versions, run through the same tests. */
export const EXPRESS_VERSIONS = [
  { name: 'express 5', express: express5 },
  { name: 'express 4', express: express4 as unknown as typeof express5 },
] as const;

/** The memory store, and Redis when SESSIONKIT_REDIS_URL (or a container runtime) provides one. */
export const storeVariants = () => sharedVariants('express', createRedisStore);
