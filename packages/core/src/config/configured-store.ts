import { type SessionStore, STORE_OPERATIONS, type StoreWith } from '../store/store';
import { rootCauseText, storeError } from '../store/store-errors';

// Moved to the store's error mapper; still exported here for the configuration code.
export { rootCauseText };

/** A store created from configuration. Its close() also closes the driver client it created. */
export interface ConfiguredStore extends StoreWith<'close'> {
  /** What was configured, without secrets: for logs and `sessionkit` CLI output. */
  readonly description: string;
}

/**
 * Turns a failed store call into the cause an operator can act on, or undefined to keep the
 * driver's own message: "cannot reach Redis: connect ECONNREFUSED 127.0.0.1:6379" rather than
 * ioredis's retry-limit message, "table x does not exist; create it with …" for a missing table.
 */
export type StoreErrorExplainer = (error: unknown) => string | undefined;

// close() is not wrapped: it is replaced by one that also closes the driver client.
const WRAPPED = STORE_OPERATIONS.filter((operation) => operation !== 'close');

/**
 * The first error in the `cause` chain of `error` (itself included, and the members of an
 * AggregateError) that `matches`, or undefined. Store errors wrap driver errors, so a driver code
 * such as PostgreSQL's 42P01 is found a level or two down.
 *
 * @example
 * findCause(error, (e) => (e as { code?: unknown }).code === '42P01');
 */
export function findCause(error: unknown, matches: (error: unknown) => boolean): unknown {
  const queue = [error];
  // Bounded: a cause chain can be cyclic.
  for (let seen = 0; queue.length > 0 && seen < 20; seen++) {
    const current = queue.shift();
    if (current === undefined || current === null) continue;
    if (matches(current)) return current;
    const { cause, errors } = current as { cause?: unknown; errors?: unknown };
    if (cause !== undefined) queue.push(cause);
    if (Array.isArray(errors)) queue.push(...errors);
  }
  return undefined;
}

/**
 * An explainer for a backend whose table (or collection) is missing: when `isMissing` recognises
 * an error anywhere in the cause chain, the failure says which table, in which database, that
 * nothing was created, and the command that creates it.
 *
 * @example
 * missingTableExplainer((e) => (e as { code?: unknown }).code === '42P01', {
 *   table: 'sessions', database: 'app', create: 'sessionkit schema postgres --table sessions | psql -d app',
 * });
 */
export function missingTableExplainer(
  isMissing: (error: unknown) => boolean,
  where: { table: string; database: string; create: string },
): StoreErrorExplainer {
  return (error) =>
    findCause(error, isMissing) === undefined
      ? undefined
      : `the table ${where.table} does not exist in database ${where.database} (nothing was created). ` +
        `Create it once: ${where.create}; or call the store's createSchema() from the app.`;
}

/** `value` as one shell word: bare when it is plainly safe, single-quoted otherwise. */
export function shellWord(value: string): string {
  return /^[\w.,:/@%+=-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** The failure of `operation` as a SessionStoreError naming the store and the cause, with no password. */
function explainFailure(
  operation: string,
  description: string,
  error: unknown,
  explain: StoreErrorExplainer | undefined,
): unknown {
  // The description already names the store ("count on redis standalone … failed"), and the cause
  // is the innermost one: the store's own wrapper would only repeat the operation.
  return storeError('', operation, error, {
    on: description,
    explain: (failure) => explain?.(failure) ?? rootCauseText(failure),
    rewrap: true,
  });
}

/**
 * Wraps a store created from configuration: adds the description, failures that name the store
 * and their cause (through `explain`, when the store package knows better than the driver), and
 * a close() that stops the store and then closes the driver client that was created for it (and
 * only that one). Used by `createStoreFromConfig` on what a descriptor's `open` returned.
 */
export function toConfiguredStore(
  store: SessionStore,
  description: string,
  closeClient: () => Promise<unknown> = async () => {},
  explain?: StoreErrorExplainer,
): ConfiguredStore {
  const wrapped: Record<string, unknown> = { capabilities: store.capabilities, description };
  for (const method of WRAPPED) {
    const fn = store[method] as ((...args: unknown[]) => Promise<unknown>) | undefined;
    if (typeof fn !== 'function') continue;
    wrapped[method] = async (...args: unknown[]) => {
      try {
        return await fn.apply(store, args);
      } catch (error) {
        throw explainFailure(method, description, error, explain);
      }
    };
  }
  if (typeof store.unsupportedReason === 'function') {
    wrapped.unsupportedReason = store.unsupportedReason.bind(store);
  }
  let closing: Promise<void> | undefined;
  wrapped.close = () => {
    closing ??= (async () => {
      try {
        await store.close?.();
      } finally {
        await closeClient();
      }
    })();
    return closing;
  };
  return Object.freeze(wrapped) as unknown as ConfiguredStore;
}

/**
 * Runs a store's schema creation for `createStoreFromConfig(…, { createSchema: true })`: on
 * failure (no CREATE privilege, an unreachable server) the driver client opened for the store is
 * closed and the error names the store and the cause, like every other failure of that store.
 */
export async function createSchemaOrClose(
  store: ConfiguredStore,
  create: () => Promise<unknown>,
): Promise<void> {
  try {
    await create();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw explainFailure('createSchema', store.description, error, undefined);
  }
}
