import { describe, expect, test } from 'vitest';
import { refused, resolved } from './resolve-config';

const SECRET = 'SeCret-7q';

describe('issue 14.5: no password in any message, parsed or not', () => {
  test.each([
    `postgres//user:${SECRET}@127.0.0.1/test`,
    `postgres:/user:${SECRET}@127.0.0.1/test`,
    `redis://:${SECRET}@x@127.0.0.1:6379/0`,
    `redis://:a@${SECRET}/0@127.0.0.1`,
    `redis://:${SECRET}?x@127.0.0.1`,
    `redis://:${SECRET}#x@127.0.0.1`,
    `redis://:${encodeURIComponent(`${SECRET}@/`)}@127.0.0.1:99999`,
    `postgres://u:${SECRET}@127.0.0.1/db?password=${SECRET}`,
    `mysql://u:${SECRET} with space@127.0.0.1:0/db`,
    `file://u:${SECRET}@host/x`,
    `ftp://u:${SECRET}@host/x`,
  ])('%s', async (url) => {
    const { message } = await refused(url);
    expect(message).not.toContain(SECRET);
    expect(message).not.toContain(encodeURIComponent(SECRET));
    // The pieces of a password split by a raw '@' or '/' are not echoed either.
    expect(message).not.toMatch(/"0@|"x@|SeCret/);
  });

  test('an object configuration: the password never appears', async () => {
    const { message } = await refused({
      type: 'postgres',
      host: 'bad host!',
      password: SECRET,
      database: 'd',
    });
    expect(message).not.toContain(SECRET);
  });
});

describe('issue 14.6: unknown URL parameters and configuration fields are errors', () => {
  test.each([
    ['redis://127.0.0.1:6379?prefx=zz', 'prefx', 'prefix, tls'],
    ['rediss://127.0.0.1:6379?tsl=true', 'tsl', 'prefix, tls'],
    ['redis+sentinel://127.0.0.1:26379/mymaster?prefx=zz', 'prefx', 'prefix, tls'],
    ['redis+cluster://127.0.0.1:7000?db=1', 'db', 'prefix, tls'],
    ['postgres://127.0.0.1/test?tabel=x', 'tabel', 'table, ssl'],
    ['mysql://127.0.0.1/test?tablename=x', 'tablename', 'table, ssl'],
    ['mariadb://127.0.0.1/test?sslmode=require', 'sslmode', 'table, ssl'],
    ['mssql://127.0.0.1/test?encrypted=true', 'encrypted', 'table, ssl, encrypt, trustServerCertificate'],
    ['file:///var/lib/sessions?dept=1', 'dept', 'depth'],
    ['memory:?max=5', 'max', 'maxSessions'],
  ])('%s', async (url, name, accepted) => {
    const { message } = await refused(url);
    expect(message).toContain(`the parameter "${name}" is not known`);
    expect(message).toContain(`accept ${accepted}`);
  });

  test('a boolean parameter must be true or false', async () => {
    expect((await refused('postgres://127.0.0.1/test?ssl=yes')).message).toMatch(/ssl must be true or false/);
    expect((await refused('redis://127.0.0.1?tls=1')).message).toMatch(/tls must be true or false/);
    expect(await resolved('postgres://127.0.0.1/test?ssl=false')).toMatchObject({ ssl: false });
  });

  test.each([
    [{ type: 'postgres', host: 'h', database: 'd', tabel: 'x' }, 'tabel', 'tableName'],
    [{ type: 'redis', prefx: 'zz' }, 'prefx', 'prefix'],
    [{ type: 'mongodb', host: 'h', database: 'd', collection: 'x' }, 'collection', 'collectionName'],
    [{ type: 'file', directory: '/x', dir: '/y' }, 'dir', 'directory'],
    [{ type: 'memory', max: 1 }, 'max', 'maxSessions'],
  ])('%j', async (config, field, accepted) => {
    const { message } = await refused(config as never);
    expect(message).toContain(`${field} is not a setting of a ${config.type} store`);
    expect(message).toMatch(new RegExp(`the settings are type, .*\\b${accepted}\\b`));
  });
});

describe('issue 14.7: file URLs take an absolute path', () => {
  test.each([
    ['file://relative/x', /"relative" is read as a host name.*file:\/\/\/absolute\/path/],
    ['file:relative/x', /relative path; write an absolute one: file:\/\/\/absolute\/path/],
    ['file:./x', /relative path/],
  ])('%s is refused', async (url, message) => {
    expect((await refused(url)).message).toMatch(message);
  });

  test.each([
    ['file:///var/lib/s', '/var/lib/s'],
    ['file://localhost/var/lib/s', '/var/lib/s'],
    ['file:/var/lib/s', '/var/lib/s'],
    ['file:///var/lib/with%20space', '/var/lib/with space'],
  ])('%s is %s', async (url, directory) => {
    expect(await resolved(url)).toMatchObject({ directory });
  });
});
