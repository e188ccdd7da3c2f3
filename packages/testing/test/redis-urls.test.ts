import { describe, expect, it } from 'vitest';
import { parseRedisNodesUrl, parseRedisSentinelUrl } from '../src/redis-urls';

describe('parseRedisNodesUrl', () => {
  it('parses a single node and a comma-separated seed list', () => {
    expect(parseRedisNodesUrl('redis://127.0.0.1:6379')).toEqual({
      nodes: [{ host: '127.0.0.1', port: 6379 }],
    });
    expect(parseRedisNodesUrl('redis://127.0.0.1:7000,127.0.0.1:7001,localhost').nodes).toEqual([
      { host: '127.0.0.1', port: 7000 },
      { host: '127.0.0.1', port: 7001 },
      { host: 'localhost', port: 6379 },
    ]);
  });

  it('parses credentials, IPv6 hosts and a db number', () => {
    expect(parseRedisNodesUrl('redis://user:p%40ss@[::1]:6380/2')).toEqual({
      nodes: [{ host: '::1', port: 6380 }],
      username: 'user',
      password: 'p@ss',
      db: 2,
    });
    expect(parseRedisNodesUrl('redis://:secret@h:1')).toEqual({
      nodes: [{ host: 'h', port: 1 }],
      password: 'secret',
    });
  });

  it('rejects other schemes', () => {
    expect(() => parseRedisNodesUrl('http://127.0.0.1:6379')).toThrow(TypeError);
  });
});

describe('parseRedisSentinelUrl', () => {
  it('parses sentinels and the master name', () => {
    expect(
      parseRedisSentinelUrl('redis+sentinel://127.0.0.1:26379,127.0.0.1:26380,127.0.0.1:26381/sessionkit'),
    ).toEqual({
      sentinels: [
        { host: '127.0.0.1', port: 26379 },
        { host: '127.0.0.1', port: 26380 },
        { host: '127.0.0.1', port: 26381 },
      ],
      name: 'sessionkit',
    });
    expect(parseRedisSentinelUrl('redis+sentinel://:pw@h/my%20master/1')).toEqual({
      sentinels: [{ host: 'h', port: 26379 }],
      name: 'my master',
      password: 'pw',
      db: 1,
    });
  });

  it('requires a master name', () => {
    expect(() => parseRedisSentinelUrl('redis+sentinel://127.0.0.1:26379')).toThrow(/master name/);
  });
});
