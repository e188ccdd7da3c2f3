/**
 * The configuration path without a server: URLs and objects resolve to the same settings, seed
 * lists and srv are taken as the driver takes them, and the connection string handed to the
 * driver is the one a user would write.
 */
import { describe, expect, test } from 'vitest';
import { connectionString, storeDescriptor } from '../src/descriptor';

const resolve = (source: string | Record<string, unknown>) =>
  storeDescriptor.resolve(
    (typeof source === 'string' ? storeDescriptor.fromUrl(source) : source) as { type: string },
  );

describe('mongodb store URLs', () => {
  test('a seed list with replicaSet (the set name) is accepted, each port defaulting to 27017', () => {
    const config = resolve('mongodb://u:pw@h1,h2:27018/db?replicaSet=rs0');
    expect(config).toMatchObject({
      hosts: [
        { host: 'h1', port: 27017 },
        { host: 'h2', port: 27018 },
      ],
      srv: false,
      username: 'u',
      password: 'pw',
      database: 'db',
      options: { replicaSet: 'rs0' },
    });
    expect(storeDescriptor.describe(config)).toBe('mongodb h1:27017,h2:27018/db');
    expect(connectionString(config)).toBe('mongodb://u:pw@h1:27017,h2:27018/db?replicaSet=rs0');
  });

  test('the same seed list as an object', () => {
    expect(
      resolve({
        type: 'mongodb',
        hosts: [{ host: 'h1' }, { host: 'h2', port: 27018 }],
        username: 'u',
        password: 'pw',
        database: 'db',
        options: { replicaSet: 'rs0' },
      }),
    ).toEqual(resolve('mongodb://u:pw@h1,h2:27018/db?replicaSet=rs0'));
  });

  test('mongodb+srv takes one host name and no port, like the driver', () => {
    const config = resolve('mongodb+srv://u:p%40ss@cluster0.example.net/app?authSource=admin');
    expect(config).toMatchObject({ hosts: [{ host: 'cluster0.example.net', port: 27017 }], srv: true });
    expect(connectionString(config)).toBe('mongodb+srv://u:p%40ss@cluster0.example.net/app?authSource=admin');
    expect(storeDescriptor.describe(config)).toBe('mongodb srv cluster0.example.net/app');
    expect(() => resolve('mongodb+srv://a.example.net,b.example.net/app')).toThrow(
      /mongodb\+srv:\/\/ takes one host name/,
    );
    expect(() => resolve('mongodb+srv://a.example.net:27018/app')).toThrow(
      /srv takes one host name and no port/,
    );
  });

  test('host and hosts together, or an empty seed list, fail naming the setting', () => {
    expect(() => resolve({ type: 'mongodb', host: 'a', hosts: [{ host: 'b' }], database: 'd' })).toThrow(
      /hosts cannot be combined with host or port/,
    );
    expect(() => resolve({ type: 'mongodb', hosts: [], database: 'd' })).toThrow(
      /hosts must be a non-empty list/,
    );
    expect(() => resolve({ type: 'mongodb', database: 'd' })).toThrow(/host is required/);
  });

  test('a single host keeps working, the password stays out of the description', () => {
    const config = resolve('mongodb://u:secret@mongo:27018/app?collection=s');
    expect(config).toMatchObject({ hosts: [{ host: 'mongo', port: 27018 }], collectionName: 's' });
    expect(storeDescriptor.describe(config)).toBe('mongodb mongo:27018/app');
    expect(storeDescriptor.describe(config)).not.toContain('secret');
  });
});
