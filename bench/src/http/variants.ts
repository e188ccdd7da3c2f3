/**
 * The servers under test. Each runs in its own child process (src/http/child.ts) so its CPU time
 * can be read from process.cpuUsage() without the load generator's share.
 */
export type Framework = 'express' | 'fastify' | 'koa';
/** bare: the framework alone (the floor); sessionkit: our binding; peer: the library users use today. */
export type Library = 'bare' | 'sessionkit' | 'peer';
export type StoreKind = 'none' | 'memory' | 'file' | 'redis' | 'mariadb' | 'postgres' | 'cookie';

/**
 * What a user turns on, beside the defaults (src/http/setups.ts): encryption at rest, a 10 KB
 * session (sessionkit's default compression on, or off), the store on an ioredis client
 * instead of node-redis (the client connect-redis uses), or metrics and traces on (stats and
 * OpenTelemetry with the SDK's providers). Express only.
 */
export type Setup = 'encrypted' | 'large' | 'large-uncompressed' | 'ioredis' | 'telemetry';

export interface Variant {
  framework: Framework;
  library: Library;
  store: StoreKind;
  /** Absent for the defaults, whose ids (keys of the results JSON) stay `framework/library/store`. */
  setup?: Setup;
}

export function variantId(v: Variant): string {
  return `${v.framework}/${v.library}/${v.store}${v.setup ? `/${v.setup}` : ''}`;
}

/** How a setup reads in labels and tables. */
export const SETUP_LABELS: Record<Setup, string> = {
  encrypted: 'encryption on (AES-256-GCM)',
  large: '10 KB session',
  'large-uncompressed': '10 KB session, compression off',
  ioredis: 'ioredis client (auto-pipelining)',
  telemetry: 'metrics and traces on (stats + OpenTelemetry SDK)',
};

const PEERS: Record<Framework, string> = {
  express: 'express-session',
  fastify: '@fastify/session',
  koa: 'koa-session',
};

const PEER_STORES: Partial<Record<`${Framework}/${StoreKind}`, string>> = {
  'express/memory': 'MemoryStore',
  'express/redis': 'connect-redis',
  'express/file': 'session-file-store',
  'express/postgres': 'connect-pg-simple',
  'express/mariadb': 'express-mysql-session',
  'fastify/memory': 'MemoryStore',
  'fastify/redis': 'connect-redis',
  'fastify/file': 'session-file-store',
  'fastify/postgres': 'connect-pg-simple',
  'fastify/mariadb': 'express-mysql-session',
  'koa/cookie': 'cookie store',
  'koa/redis': 'koa-redis',
};

const STORE_NAMES: Record<StoreKind, string> = {
  none: '',
  memory: 'memory',
  file: 'file',
  redis: 'Redis',
  mariadb: 'MariaDB',
  postgres: 'PostgreSQL',
  cookie: 'cookie',
};

/** A human label for report tables. */
export function variantLabel(v: Variant): string {
  if (v.library === 'bare') return `${v.framework} (bare)`;
  const setup = v.setup ? `, ${SETUP_LABELS[v.setup]}` : '';
  if (v.library === 'sessionkit') {
    return `@sessionkit/${v.framework} + ${STORE_NAMES[v.store]}${setup}`;
  }
  return `${PEERS[v.framework]} + ${PEER_STORES[`${v.framework}/${v.store}`] ?? v.store}${setup}`;
}

/** The data every seeded session holds: a signed-in shopper, about 200 bytes of JSON. */
export function seedData(i: number): Record<string, unknown> {
  return {
    user: `user-${String(i).padStart(6, '0')}`,
    roles: ['customer'],
    cart: [
      { sku: 'SKU-10042', qty: 1 },
      { sku: 'SKU-20077', qty: 2 },
    ],
    csrf: 'q8v2Kx7mZt0bWc4nR1yH5a',
    locale: 'en-GB',
    views: 0,
  };
}

/** Secret shared by every library (each requires >= 32 characters or accepts it). */
export const SECRET = 'skbench-secret-0123456789abcdefghijklmnopqrstuvwxyz';
/** Idle lifetime of every library's sessions: one day, as sessionkit's default. */
export const MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** Environment handed to a server child. */
export interface ChildEnv {
  BENCH_VARIANT: string;
  BENCH_PREFIX: string;
  BENCH_REDIS_URL?: string;
  BENCH_POSTGRES_URL?: string;
  BENCH_MYSQL_URL?: string;
  BENCH_FILE_DIR?: string;
  /** sessionkit's touchAfter in ms (the command-count phase shortens it to observe a touch). */
  BENCH_TOUCH_AFTER?: string;
  /** Disables the SQL stores' background prune, so statement counts hold only request work. */
  BENCH_NO_PRUNE?: string;
  /** Bare Fastify only: an onRequest hook busy-waits this many µs (`pnpm calibrate`). */
  BENCH_BUSY_WAIT_US?: string;
}

/** How many of the lost-update keys k0..k(n-1) the session holds. */
export function presentKeys(get: (key: string) => unknown, n: unknown): number {
  let found = 0;
  for (let i = 0; i < Number(n); i++) if (get(`k${i}`) !== undefined) found++;
  return found;
}
