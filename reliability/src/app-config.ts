/**
 * Configuration of one app node (a child process running Express with @sessionkit/express),
 * passed as JSON in the SK_APP_CONFIG environment variable. Shared by the parent, which builds
 * it, and the child, which opens the store from it.
 */
import type { StoreErrorPolicy } from '@sessionkit/core';

/** A host and port of a Redis node or sentinel. */
export interface Endpoint {
  host: string;
  port: number;
}

/** Which store the node uses, and how its driver client is set up. */
export type AppStoreConfig =
  | { kind: 'memory' }
  | { kind: 'file'; directory: string; lockStaleAfter?: number }
  | { kind: 'redis'; url: string; prefix: string }
  | { kind: 'redis-sentinel'; sentinels: Endpoint[]; name: string; prefix: string }
  | { kind: 'redis-cluster'; nodes: Endpoint[]; prefix: string }
  | { kind: 'postgres'; url: string; tableName: string }
  | { kind: 'mysql'; url: string; tableName: string };

/** Everything one app node needs. */
export interface AppConfig {
  /** Name reported in every response (x-node), to see which node served a request. */
  node: string;
  store: AppStoreConfig;
  /** @default 'fail-closed' */
  policy?: StoreErrorPolicy;
  /** Per store call, in ms. @default 1_000 */
  storeTimeout?: number;
  secrets: string[];
  /** @default 3_600_000 */
  idleTimeout?: number;
}

/** The environment variable carrying the JSON {@link AppConfig}. */
export const APP_CONFIG_ENV = 'SK_APP_CONFIG';

/** Messages the parent sends a node over IPC. */
export type AppRequest = { type: 'heap'; id: number } | { type: 'stats'; id: number };

/** Messages a node sends its parent over IPC. */
export type AppMessage =
  | { type: 'ready'; port: number }
  | { type: 'heap'; id: number; heapUsed: number; rss: number; external: number }
  | { type: 'stats'; id: number; stats: AppStats };

/** What a node counted since it started. */
export interface AppStats {
  requests: number;
  /** Store calls that failed or timed out (the storeError hook). */
  storeErrors: number;
  /** Responses by status code. */
  statuses: Record<string, number>;
}
