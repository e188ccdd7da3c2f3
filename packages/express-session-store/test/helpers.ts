/**
 * Test plumbing of the express-session store. The HTTP client, the server helper, the store
 * variants (memory, and Redis when provisioned) and fault injection are shared through
 * @sessionkit/testing.
 */

import { createRedisStore } from '@sessionkit/redis';
import { storeVariants as sharedVariants } from '@sessionkit/testing';

export { Client, faultyStore, serve } from '@sessionkit/testing';

export const SECRET = 'express-session-store-test-secret-0123456789';

/** The memory store, and Redis when SESSIONKIT_REDIS_URL (or a container runtime) provides one. */
export const storeVariants = () => sharedVariants('express-session-store', createRedisStore);
