/**
 * The type declared for every parameter, checked on real mssql Request objects without a server:
 * the request is built and its parameters recorded before the query fails on the unconnected
 * pool. That SQL Server then stores the values as sent is for the database suites.
 */
import { allStatements } from '@sessionkit/sql/testing';
import mssql from 'mssql';
import { describe, expect, test } from 'vitest';
import { mssqlDialect, mssqlExecutor, parameterType } from '../src/index';

interface Recorded {
  type: unknown;
  length?: number;
  value: unknown;
}

/** Runs `values` through the executor on a never-connected pool and returns the declared parameters. */
async function declared(values: readonly unknown[]): Promise<Record<string, Recorded>> {
  const pool = new mssql.ConnectionPool({ server: '127.0.0.1', port: 1, user: 'u', password: 'p' });
  let request: mssql.Request | undefined;
  const recording = Object.assign(Object.create(pool) as mssql.ConnectionPool, {
    request: () => {
      request = pool.request();
      return request;
    },
  });
  const run = mssqlExecutor(recording);
  // Not connected: the query fails, after the parameters were declared.
  await expect(run({ text: 'SELECT 1', values: values as never })).rejects.toThrow();
  return (request as unknown as { parameters: Record<string, Recorded> }).parameters;
}

describe('parameterType', () => {
  test('strings are NVARCHAR(4000), NVARCHAR(MAX) beyond; integers BIGINT; payloads VARBINARY(MAX)', () => {
    expect(parameterType('k')).toEqual({ type: 'NVarChar', length: 4000 });
    expect(parameterType('x'.repeat(4000))).toEqual({ type: 'NVarChar', length: 4000 });
    expect(parameterType('x'.repeat(4001))).toEqual({ type: 'NVarChar', length: 'MAX' });
    expect(parameterType(null)).toEqual({ type: 'NVarChar', length: 4000 });
    expect(parameterType(1_893_456_000_000)).toEqual({ type: 'BigInt' });
    expect(parameterType(0.5)).toEqual({ type: 'Float' });
    expect(parameterType(true)).toEqual({ type: 'Bit' });
    expect(parameterType(new Uint8Array([1]))).toEqual({ type: 'VarBinary', length: 'MAX' });
  });
});

describe('mssqlExecutor declares every parameter on the real mssql Request', () => {
  test('each value gets its declared mssql type, also when the app maps String to VarChar', async () => {
    // What an app may do for its own queries; the store must not inherit it.
    mssql.map.register(String, mssql.VarChar);
    try {
      const payload = new Uint8Array([1, 2, 3]);
      const parameters = await declared(['用户-42', 7, payload, null, 0.25, true]);
      expect(parameters.p1).toMatchObject({ type: mssql.NVarChar, length: 4000, value: '用户-42' });
      expect(parameters.p2).toMatchObject({ type: mssql.BigInt, value: 7 });
      expect(parameters.p3).toMatchObject({ type: mssql.VarBinary, length: mssql.MAX });
      expect(Buffer.isBuffer(parameters.p3?.value)).toBe(true);
      expect(parameters.p3?.value).toEqual(Buffer.from([1, 2, 3]));
      expect(parameters.p4).toMatchObject({ type: mssql.NVarChar, length: 4000, value: null });
      expect(parameters.p5).toMatchObject({ type: mssql.Float, value: 0.25 });
      expect(parameters.p6).toMatchObject({ type: mssql.Bit, value: true });
    } finally {
      mssql.map.register(String, mssql.NVarChar);
    }
  });

  test('every statement the store sends has a declared type for each of its values', async () => {
    for (const [name, statement] of Object.entries(allStatements(mssqlDialect))) {
      const parameters = await declared(statement.values);
      expect(Object.keys(parameters), name).toHaveLength(statement.values.length);
      for (const parameter of Object.values(parameters)) {
        expect([mssql.NVarChar, mssql.BigInt, mssql.VarBinary, mssql.Float, mssql.Bit], name).toContain(
          parameter.type,
        );
      }
    }
  });

  test('a pool from another copy of mssql keeps the inference of mssql and says so once', async () => {
    const real = new mssql.ConnectionPool({ server: '127.0.0.1', port: 1, user: 'u', password: 'p' });
    const requests: mssql.Request[] = [];
    // Structurally a pool, but not an instance of the ConnectionPool this package loads.
    const foreign = {
      request: () => {
        const request = real.request();
        requests.push(request);
        return request;
      },
    };
    const warnings: string[] = [];
    const onWarning = (warning: Error & { code?: string }) => {
      if (warning.code === 'SESSIONKIT_MSSQL_TYPES') warnings.push(warning.message);
    };
    process.on('warning', onWarning);
    try {
      const run = mssqlExecutor(foreign);
      await expect(run({ text: 'SELECT 1', values: ['k'] })).rejects.toThrow();
      await expect(run({ text: 'SELECT 1', values: ['k'] })).rejects.toThrow();
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/a second copy of mssql/);
      const parameters = (requests[0] as unknown as { parameters: Record<string, Recorded> }).parameters;
      expect(parameters.p1?.type).toBe(mssql.NVarChar);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
