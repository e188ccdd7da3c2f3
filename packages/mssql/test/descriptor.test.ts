/**
 * The configuration path without a server: TLS on by default as in mssql, the URL flags that opt
 * out for a local server, and a refused connection reported with its cause and no password.
 */
import { createServer } from 'node:net';
import { createStoreFromConfig } from '@sessionkit/core';
import { describe, expect, test } from 'vitest';
import { connectionFailure, type ResolvedMssqlConfig, resolveTls, storeDescriptor } from '../src/descriptor';

const resolve = (source: string | Record<string, unknown>) =>
  storeDescriptor.resolve(
    (typeof source === 'string' ? storeDescriptor.fromUrl(source) : source) as { type: string },
  );

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

describe('TLS settings', () => {
  test('encrypted by default, certificate checked, as in mssql', () => {
    expect(resolve('mssql://sa:pw@db/app')).toMatchObject({ encrypt: true, trustServerCertificate: false });
    expect(resolve({ type: 'mssql', host: 'db', database: 'app' })).toMatchObject({
      encrypt: true,
      trustServerCertificate: false,
    });
  });

  test('a local server opts out in the URL or the object', () => {
    expect(resolve('mssql://sa:pw@127.0.0.1/app?trustServerCertificate=true')).toMatchObject({
      encrypt: true,
      trustServerCertificate: true,
    });
    expect(resolve('sqlserver://sa:pw@127.0.0.1/app?encrypt=false&table=s')).toMatchObject({
      encrypt: false,
      tableName: 's',
    });
    // ssl, the other SQL stores' name, means the same.
    expect(resolve('mssql://sa:pw@127.0.0.1/app?ssl=false')).toMatchObject({ encrypt: false });
    expect(resolve({ type: 'mssql', host: 'h', database: 'd', encrypt: false })).toMatchObject({
      encrypt: false,
    });
    expect(storeDescriptor.describe(resolve('mssql://h/app?encrypt=false'))).toBe(
      'mssql h:1433/app (not encrypted)',
    );
  });

  test('mistakes fail naming the setting', () => {
    expect(() => resolveTls({ encrypt: true, ssl: false })).toThrow(/encrypt and ssl disagree/);
    expect(() => resolveTls({ trustServerCertificate: 'yes' })).toThrow(
      /trustServerCertificate must be true or false/,
    );
    expect(() => resolve('mssql://h/app?encrypt=maybe')).toThrow(/encrypt must be true or false/);
    expect(() => resolve('mssql://h/app?tabel=s')).toThrow(/"tabel" is not known/);
  });
});

describe('connection failures keep their cause', () => {
  test('a refused connection names the server and the reason, never the password', async () => {
    const port = await closedPort();
    const failure = await createStoreFromConfig(`mssql://sa:Pw-Secret-9@127.0.0.1:${port}/app`).then(
      () => null,
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toMatch(
      new RegExp(
        `Could not connect to SQL Server at 127\\.0\\.0\\.1:${port} \\(encrypt: true\\): .*ECONNREFUSED`,
      ),
    );
    expect(failure?.message).not.toContain('Pw-Secret-9');
    expect(failure?.cause).toBeDefined();
  }, 20_000);

  test('a certificate failure says how to trust a local self-signed certificate; a quoted password is masked', () => {
    const config = resolve('mssql://sa:hunter2@127.0.0.1/app') as ResolvedMssqlConfig;
    const driverError = Object.assign(new Error('Failed to connect to 127.0.0.1:1433'), {
      originalError: new Error('self-signed certificate in certificate chain (hunter2)'),
    });
    const message = connectionFailure(config, driverError);
    expect(message).toContain('self-signed certificate in certificate chain (***)');
    expect(message).toContain('trustServerCertificate: true');
    expect(message).not.toContain('hunter2');
  });
});
