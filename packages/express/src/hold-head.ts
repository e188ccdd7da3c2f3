import type { ServerResponse } from 'node:http';

/** The ServerResponse methods through which a response head can leave (write/end call writeHead internally). */
const HEAD_SENDERS = ['writeHead', 'flushHeaders', 'write', 'end'] as const;
type HeadSender = (typeof HEAD_SENDERS)[number];

type Method = (this: ServerResponse, ...args: unknown[]) => unknown;

/** A response's hold: present from holdHead() until the queued calls are replayed. */
interface Hold {
  state: 'open' | 'holding' | 'released';
  waiters: Array<{ beforeHead: () => Promise<void>; onError: (error: unknown) => void }>;
  queue: Array<[Method, unknown[]]>;
  refusedWrite: boolean;
  headersBefore: ReturnType<ServerResponse['getHeaders']>;
}

const HOLD = Symbol('sessionkit.holdHead');
type HeldResponse = ServerResponse & { [HOLD]?: Hold };

/** Prototypes whose head senders already check for a hold. */
const patched = new WeakSet<object>();

/**
 * Holds a response until every `beforeHead` settles, so nothing reaches the client before it did.
 *
 * Express has no after-handler hook, and Node sends the head synchronously from writeHead, write,
 * end and flushHeaders. So those four are intercepted: the first call starts `beforeHead` and is
 * queued, later calls are queued too, and once `beforeHead` resolves the queue is replayed in
 * order through the functions that were intercepted (so another wrapper, such as a compression
 * middleware, sees each call exactly once). A write made while held answers `false` and `drain`
 * follows the replay, so a piped stream waits instead of filling memory.
 *
 * If `beforeHead` rejects, the queued response is dropped, the headers go back to what they were
 * when the hold began (headers of earlier middleware survive, the handler's do not), and `onError`
 * must produce the replacement response; it is no longer held.
 *
 * Where they are intercepted matters for speed: adding function-valued own properties to every
 * response costs about 15 µs a request in V8 once Express has swapped the response's prototype.
 * So the four methods are defined once on the prototype Express gives every response of every
 * app (the one right below Node's own), and check a per-response hold there; a response without
 * such a prototype gets own wrappers instead.
 */
export function holdHead(
  res: ServerResponse,
  beforeHead: () => Promise<void>,
  onError: (error: unknown) => void,
): void {
  const held = res as HeldResponse;
  const existing = held[HOLD];
  if (existing && existing.state === 'open') {
    // A second session middleware on the same response: it commits after the first.
    existing.waiters.push({ beforeHead, onError });
    return;
  }
  held[HOLD] = {
    state: 'open',
    waiters: [{ beforeHead, onError }],
    queue: [],
    refusedWrite: false,
    headersBefore: res.getHeaders(),
  };
  const shared = sharedPrototype(res);
  if (shared) {
    if (!patched.has(shared)) patchPrototype(shared);
  } else {
    for (const name of HEAD_SENDERS) {
      const original = res[name] as unknown as Method;
      (res as unknown as Record<string, Method>)[name] = interceptor(name, original);
    }
  }
}

/**
 * The prototype right below the one that defines writeHead (Node's), when it is not `res` itself;
 * once patched, it owns a writeHead too, so the walk also stops at a patched one.
 */
function sharedPrototype(res: ServerResponse): object | null {
  let below: object = res;
  let proto = Object.getPrototypeOf(res) as object | null;
  while (proto !== null) {
    if (patched.has(proto)) return proto;
    if (Object.hasOwn(proto, 'writeHead')) return below === res ? null : below;
    below = proto;
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return null;
}

function patchPrototype(proto: object): void {
  patched.add(proto);
  for (const name of HEAD_SENDERS) {
    const original = (proto as Record<string, Method>)[name] as Method;
    Object.defineProperty(proto, name, {
      value: interceptor(name, original),
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
}

function interceptor(name: HeadSender, original: Method): Method {
  return function (this: HeldResponse, ...args) {
    const hold = this[HOLD];
    if (hold === undefined || hold.state === 'released') return original.apply(this, args);
    hold.queue.push([original, args]);
    if (hold.state === 'open') {
      hold.state = 'holding';
      // onError is next(): it does not throw, but a response must never be left hanging.
      release(this, hold).catch(() => this.destroy());
    }
    if (name !== 'write') return name === 'flushHeaders' ? undefined : this;
    hold.refusedWrite = true;
    return false;
  };
}

async function release(res: HeldResponse, hold: Hold): Promise<void> {
  for (const { beforeHead, onError } of hold.waiters) {
    try {
      await beforeHead();
    } catch (error) {
      hold.state = 'released';
      hold.queue.length = 0;
      return replaceWith(res, hold, onError, error);
    }
  }
  hold.state = 'released';
  try {
    for (const [method, args] of hold.queue.splice(0)) method.apply(res, args);
  } catch (error) {
    // What the handler's call would have thrown without the hold (say writeHead(1000)) now
    // surfaces here, after the handler returned: route it to the error path like Express would.
    if (res.headersSent) res.destroy();
    else replaceWith(res, hold, (hold.waiters[0] as Hold['waiters'][number]).onError, error);
    return;
  }
  if (hold.refusedWrite && !res.writableNeedDrain) res.emit('drain');
}

function replaceWith(res: ServerResponse, hold: Hold, onError: (error: unknown) => void, error: unknown) {
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  for (const [name, value] of Object.entries(hold.headersBefore)) {
    if (value !== undefined) res.setHeader(name, value);
  }
  res.statusCode = 200;
  onError(error);
}
