/**
 * node-redis 5 clients (the `redis` package) as the store's commands. node-redis has one entry
 * point for any command, `sendCommand`, whose leading arguments differ by client kind: a plain
 * client takes the command, a Sentinel client whether it may go to a replica (never, here: a read
 * from a replica could miss the write just made), a Cluster client the key it is routed by.
 */
import type {
  NodeRedisArg,
  NodeRedisClientLike,
  NodeRedisClusterLike,
  NodeRedisCommandOptions,
  NodeRedisLike,
  NodeRedisSentinelLike,
  RedisArg,
  RedisCommands,
  RedisConnection,
} from './client';

/** Sends one command; `key` is the key a Cluster routes it by. */
type Send = (
  key: string | undefined,
  args: NodeRedisArg[],
  options: NodeRedisCommandOptions,
) => Promise<unknown>;

/**
 * HMGET's reply with bulk strings (RESP type `$`, code 36) as Buffers: payloads are bytes. The
 * code is written out because the store never imports node-redis' RESP_TYPES at run time.
 */
const BUFFERS: NodeRedisCommandOptions = Object.freeze({ typeMapping: Object.freeze({ 36: Buffer }) });
/** Every other reply with node-redis' default types, whatever mapping the app set on its client. */
const DEFAULTS: NodeRedisCommandOptions = Object.freeze({ typeMapping: Object.freeze({}) });

/** true for the three node-redis 5 client kinds (and not for ioredis, which has `hmgetBuffer`). */
export function isNodeRedis(client: object): client is NodeRedisLike {
  const probe = client as Partial<Record<'sendCommand' | 'hmgetBuffer', unknown>>;
  return (
    typeof probe.sendCommand === 'function' && typeof probe.hmgetBuffer !== 'function' && 'isOpen' in client
  );
}

function isCluster(client: NodeRedisLike): client is NodeRedisClusterLike {
  return typeof (client as Partial<NodeRedisClusterLike>).nodeClient === 'function';
}

function isSentinel(client: NodeRedisLike): client is NodeRedisSentinelLike {
  return typeof (client as Partial<NodeRedisSentinelLike>).getMasterNode === 'function';
}

/** A node-redis client of any kind as the store's connection. */
export function nodeRedisConnection(client: NodeRedisLike): RedisConnection {
  if (isCluster(client)) {
    const cluster = client;
    return {
      commands: nodeRedisCommands((key, args, options) => cluster.sendCommand(key, false, args, options)),
      isCluster: true,
      masters: async () => {
        if (cluster.masters.length === 0) {
          throw new Error('the Cluster client knows no master yet; await its connect() first');
        }
        const nodes = await Promise.all(cluster.masters.map((master) => cluster.nodeClient(master)));
        return nodes.map((node) =>
          nodeRedisCommands((_key, args, options) => node.sendCommand(args, options)),
        );
      },
    };
  }
  let commands: RedisCommands;
  if (isSentinel(client)) {
    const sentinel = client;
    commands = nodeRedisCommands((_key, args, options) => sentinel.sendCommand(false, args, options));
  } else {
    const plain = client as NodeRedisClientLike;
    commands = nodeRedisCommands((_key, args, options) => plain.sendCommand(args, options));
  }
  const masters = Promise.resolve([commands]);
  return { commands, isCluster: false, masters: () => masters };
}

/** node-redis takes strings and Buffers only: numbers are sent in decimal, as ioredis sends them. */
function argv(head: NodeRedisArg[], rest: readonly RedisArg[]): NodeRedisArg[] {
  for (const arg of rest) head.push(typeof arg === 'number' ? String(arg) : arg);
  return head;
}

function nodeRedisCommands(send: Send): RedisCommands {
  // A script is routed by its first key (KEYS[1]); every script of the store declares its keys.
  const script = (command: 'EVALSHA' | 'EVAL', body: string, numkeys: number, args: RedisArg[]) =>
    send(numkeys > 0 ? String(args[0]) : undefined, argv([command, body, String(numkeys)], args), DEFAULTS);
  return {
    hmgetBuffer: (key, ...fields) =>
      send(key, ['HMGET', key, ...fields], BUFFERS) as Promise<(Buffer | null)[]>,
    evalsha: (sha1, numkeys, ...args) => script('EVALSHA', sha1, numkeys, args),
    eval: (source, numkeys, ...args) => script('EVAL', source, numkeys, args),
    zrange: (key, start, stop) =>
      send(key, ['ZRANGE', key, String(start), String(stop)], DEFAULTS) as Promise<string[]>,
    zrem: (key, ...members) => send(key, ['ZREM', key, ...members], DEFAULTS) as Promise<number>,
    zremrangebyscore: (key, min, max) =>
      send(key, ['ZREMRANGEBYSCORE', key, min, String(max)], DEFAULTS) as Promise<number>,
    scan: (cursor, matchToken, pattern, countToken, count) =>
      send(undefined, ['SCAN', cursor, matchToken, pattern, countToken, String(count)], DEFAULTS) as Promise<
        [string, string[]]
      >,
    unlink: (...keys) => send(keys[0], ['UNLINK', ...keys], DEFAULTS) as Promise<number>,
    ping: () => send(undefined, ['PING'], DEFAULTS) as Promise<string>,
    time: () => send(undefined, ['TIME'], DEFAULTS) as Promise<string[]>,
  };
}
