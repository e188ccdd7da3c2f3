/**
 * Faults under load through Express: a private PostgreSQL crashed (immediate shutdown) and a
 * private MariaDB SIGKILLed mid-run, each restarted on its data. The shared servers on 5432 and
 * 3306 are never touched. Both servers start at once; the scenarios run one by one.
 */

import type { PrivateServer } from '@sessionkit/testing';
import {
  privateMariadbUnavailable,
  privatePostgresUnavailable,
  startPrivateMariadb,
  startPrivatePostgres,
} from '@sessionkit/testing';
import { beforeAll, describe, expect, test } from 'vitest';
import { faultViolations, summarizeFault } from '../src/fault-checks';
import { runFaultScenario } from '../src/fault-scenario';
import { restartTarget } from '../src/fault-targets';
import { saveResult } from '../src/results';
import { cleanup, SECRET, titled } from './helpers';

const noPostgres = privatePostgresUnavailable();
const noMariadb = privateMariadbUnavailable();
/** Starts a server now (the MariaDB install takes seconds) and registers its disposal. */
function starting(reason: string | null, start: () => Promise<PrivateServer>): Promise<PrivateServer> | null {
  if (reason !== null) return null;
  const pending = start();
  pending.catch(() => undefined);
  cleanup(async () => (await pending).dispose());
  return pending;
}

let postgres: Promise<PrivateServer> | null = null;
let mariadb: Promise<PrivateServer> | null = null;
beforeAll(() => {
  postgres = starting(noPostgres, startPrivatePostgres);
  mariadb = starting(noMariadb, startPrivateMariadb);
});

describe.skipIf(noPostgres !== null)(titled('faults under load: PostgreSQL', noPostgres), () => {
  test('PostgreSQL crashed mid-run (immediate shutdown) and restarted', async () => {
    const db = await (postgres as Promise<PrivateServer>);
    const report = await runFaultScenario(
      restartTarget(db, (app) => ({ kind: 'postgres', url: db.url, tableName: `rel_${app}` })),
      { secrets: [SECRET] },
    );
    saveResult('faults-postgres', report);
    console.log(summarizeFault(report));
    expect(faultViolations(report)).toEqual([]);
    expect(report.policies.map((p) => p.verifiedUsers)).toEqual([12, 12]);
  }, 120_000);
});

describe.skipIf(noMariadb !== null)(titled('faults under load: MariaDB', noMariadb), () => {
  test('MariaDB SIGKILLed mid-run and restarted', async () => {
    const db = await (mariadb as Promise<PrivateServer>);
    const report = await runFaultScenario(
      restartTarget(db, (app) => ({ kind: 'mysql', url: db.url, tableName: `rel_${app}` })),
      { secrets: [SECRET] },
    );
    saveResult('faults-mariadb', report);
    console.log(summarizeFault(report));
    expect(faultViolations(report)).toEqual([]);
    expect(report.policies.map((p) => p.verifiedUsers)).toEqual([12, 12]);
  }, 180_000);
});
