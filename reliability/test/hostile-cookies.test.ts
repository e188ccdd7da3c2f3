/**
 * Hostile input, property-based: Cookie headers, signatures and session IDs. Nothing may throw,
 * nothing but an ID we signed may verify, and no rejected input may reach the store (a recording
 * store sees every call).
 */
import { beforeAll, describe, expect, test } from 'vitest';
import {
  cookieParsingNeverThrows,
  cookieParsingRoundTrip,
  type GenuineCookie,
  genuineCookies,
  hostileIdsNeverReachStore,
  tamperedCookiesRejected,
  verifierYieldsOnlySignedIds,
} from '../src/properties-cookies';
import { FULL_RUNS, QUICK_RUNS, SECRET } from './helpers';

let genuine: GenuineCookie[] = [];
beforeAll(async () => {
  genuine = await genuineCookies(SECRET);
});

describe('cookie parsing and signature checks', () => {
  test(`readCookieValues returns exactly the values of the named cookie (${FULL_RUNS} cases)`, () => {
    cookieParsingRoundTrip(FULL_RUNS);
  });

  test(`readCookieValues never throws, whatever the header (${FULL_RUNS} cases)`, () => {
    cookieParsingNeverThrows(FULL_RUNS);
  });

  test(`arbitrary Cookie headers verify to nothing but IDs we signed (${FULL_RUNS} cases)`, async () => {
    await verifierYieldsOnlySignedIds(FULL_RUNS, SECRET, genuine);
  });

  test(`tampered signed cookies never verify as anything else (${FULL_RUNS} cases)`, async () => {
    const spellings = await tamperedCookiesRejected(FULL_RUNS, SECRET, genuine);
    console.log(
      `tampered cookies: ${spellings} verified as non-canonical spellings of the genuine signature`,
    );
    expect(spellings).toBeLessThan(FULL_RUNS / 100);
  });
});

describe('session IDs carrying path separators, SQL, glob patterns and control bytes', () => {
  test(`validly signed hostile IDs never reach the store, hashed or raw keys (${QUICK_RUNS} cases; 100,000 in the long suite)`, async () => {
    const wellFormed = await hostileIdsNeverReachStore(QUICK_RUNS, SECRET);
    console.log(
      `hostile IDs: ${wellFormed} of ${QUICK_RUNS} happened to be well-formed (one plain read each)`,
    );
    expect(wellFormed).toBeLessThan(QUICK_RUNS / 10);
  });
});
