/**
 * Every hostile-input property at 100,000 cases (the normal suite runs the cheap ones at that
 * size and a 10,000-case dose of the ones that cost a WebCrypto or zlib call per case), and the
 * hostile-key property straight into each real store at 5,000 cases per store (a store round
 * trip per step makes 100,000 impractical; the 100,000-case ID property above already proves no
 * hostile ID reaches a store through core).
 */
import { startPrivateRedis, suiteTitle, useBackend } from '@sessionkit/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  cookieParsingNeverThrows,
  cookieParsingRoundTrip,
  type GenuineCookie,
  genuineCookies,
  hostileIdsNeverReachStore,
  tamperedCookiesRejected,
  verifierYieldsOnlySignedIds,
} from '../src/properties-cookies';
import {
  arbitraryBytesContained,
  corruptRecordIsAnonymous,
  type EnvelopeSamples,
  encryptedTamperRejected,
  envelopeSamples,
  plainMutationsContained,
} from '../src/properties-envelope';
import { hostileKeysConfined, type StoreSubject } from '../src/properties-store-keys';
import { saveResult } from '../src/results';
import { fileSubject, mysqlSubject, postgresSubject, redisSubject } from '../src/store-subjects';

const SECRET = 'reliability-suite-secret-0123456789abcdef';
const RUNS = 100_000;
const STORE_RUNS = 5_000;
const postgres = await useBackend('postgres');
const mysql = await useBackend('mysql');

const figures: Record<string, unknown> = {};
const timed = async <T>(name: string, run: () => Promise<T> | T): Promise<T> => {
  const started = Date.now();
  const result = await run();
  figures[name] = { cases: name.startsWith('store') ? STORE_RUNS : RUNS, ms: Date.now() - started, result };
  return result;
};
afterAll(() => {
  saveResult('long-hostile', figures);
});

let genuine: GenuineCookie[] = [];
let samples: EnvelopeSamples;
beforeAll(async () => {
  genuine = await genuineCookies(SECRET);
  samples = await envelopeSamples();
});

describe(`hostile input at ${RUNS} cases per property`, () => {
  test('cookie parsing: exact values', () =>
    timed('cookie parsing round trip', () => cookieParsingRoundTrip(RUNS)));
  test('cookie parsing: never throws', () =>
    timed('cookie parsing never throws', () => cookieParsingNeverThrows(RUNS)));
  test('signatures: only IDs we signed verify', () =>
    timed('verifier yields only signed ids', () => verifierYieldsOnlySignedIds(RUNS, SECRET, genuine)));
  test('signatures: tampered cookies rejected', async () => {
    const spellings = await timed('tampered cookies rejected', () =>
      tamperedCookiesRejected(RUNS, SECRET, genuine),
    );
    expect(spellings).toBeLessThan(RUNS / 100);
  });
  test('session IDs: hostile IDs never reach the store', () =>
    timed('hostile ids never reach the store', () => hostileIdsNeverReachStore(RUNS, SECRET)));
  test('envelope: changed encrypted payloads never open', () =>
    timed('encrypted tamper rejected', () => encryptedTamperRejected(RUNS, samples)));
  test('envelope: changed plain payloads fail with SessionPayloadError only', () =>
    timed('plain mutations contained', () => plainMutationsContained(RUNS, samples)));
  test('envelope: arbitrary bytes', () =>
    timed('arbitrary bytes contained', () => arbitraryBytesContained(RUNS)));
  test('envelope: a corrupt record through the manager', () =>
    timed('corrupt record is anonymous', () => corruptRecordIsAnonymous(RUNS, SECRET, samples)));
});

describe(`hostile keys straight into each store (${STORE_RUNS} cases per store)`, () => {
  async function run(subject: StoreSubject) {
    try {
      await timed(`store ${subject.name}`, () => hostileKeysConfined(STORE_RUNS, subject));
    } finally {
      await subject.close();
    }
  }
  test('file store', () => run(fileSubject()));
  test('redis store (private server)', async () => {
    const server = await startPrivateRedis();
    try {
      await run(await redisSubject(server.url));
    } finally {
      await server.dispose();
    }
  });
  test.skipIf(!postgres.available)(suiteTitle('postgres store', postgres), async () => {
    if (postgres.available) await run(await postgresSubject(postgres.url));
  });
  test.skipIf(!mysql.available)(suiteTitle('mysql store', mysql), async () => {
    if (mysql.available) await run(await mysqlSubject(mysql.url));
  });
});
