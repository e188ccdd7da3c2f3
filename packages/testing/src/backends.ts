/**
 * The backends the test suites can ask for, and the environment variable that points each one at
 * an already running server.
 */

/** Every backend a sessionkit test can provision. */
export const BACKENDS = [
  'redis',
  'redis-cluster',
  'redis-sentinel',
  'mysql',
  'postgres',
  'mssql',
  'mongodb',
] as const;

/** One of {@link BACKENDS}. */
export type Backend = (typeof BACKENDS)[number];

/**
 * `SESSIONKIT_<BACKEND>_URL` per backend. URL shapes:
 * - redis: `redis://127.0.0.1:6379`
 * - redis-cluster: `redis://127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002` (seed nodes)
 * - redis-sentinel: `redis+sentinel://127.0.0.1:26379,127.0.0.1:26380/<master name>`
 * - mysql: `mysql://root@127.0.0.1:3306/test`
 * - postgres: `postgres://postgres@127.0.0.1:5432/test`
 * - mssql: `mssql://sa:<password>@127.0.0.1:1433/master?trustServerCertificate=true` (a self-signed test server)
 * - mongodb: `mongodb://127.0.0.1:27017/?directConnection=true`
 */
export const BACKEND_ENV: Readonly<Record<Backend, string>> = Object.freeze({
  redis: 'SESSIONKIT_REDIS_URL',
  'redis-cluster': 'SESSIONKIT_REDIS_CLUSTER_URL',
  'redis-sentinel': 'SESSIONKIT_REDIS_SENTINEL_URL',
  mysql: 'SESSIONKIT_MYSQL_URL',
  postgres: 'SESSIONKIT_POSTGRES_URL',
  mssql: 'SESSIONKIT_MSSQL_URL',
  mongodb: 'SESSIONKIT_MONGODB_URL',
});

/** Narrows a string to a {@link Backend}. */
export function isBackend(value: string): value is Backend {
  return (BACKENDS as readonly string[]).includes(value);
}
