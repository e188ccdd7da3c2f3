/**
 * Hostile input, property-based: the payload envelope (truncated, bit-flipped, spliced, wrong
 * key, wrong version, wrong storage key, arbitrary bytes). Only SessionPayloadError may escape,
 * a changed encrypted payload never opens, and a corrupt record never makes the manager write.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import {
  arbitraryBytesContained,
  corruptRecordIsAnonymous,
  type EnvelopeSamples,
  encryptedTamperRejected,
  envelopeSamples,
  plainMutationsContained,
} from '../src/properties-envelope';
import { QUICK_RUNS, SECRET } from './helpers';

let samples: EnvelopeSamples;
beforeAll(async () => {
  samples = await envelopeSamples();
});

describe('envelope decoding', () => {
  test(`a changed encrypted payload never opens, under any mutation or the wrong key (${QUICK_RUNS} cases; 100,000 in the long suite)`, async () => {
    await encryptedTamperRejected(QUICK_RUNS, samples);
  });

  test(`a changed plain or compressed payload opens or fails with SessionPayloadError only (${QUICK_RUNS} cases; 100,000 in the long suite)`, async () => {
    const counts = await plainMutationsContained(QUICK_RUNS, samples);
    console.log(`mutated unencrypted payloads: ${counts.opened} still decoded, ${counts.rejected} rejected`);
    expect(counts.rejected).toBeGreaterThan(QUICK_RUNS / 2);
  });

  test(`arbitrary bytes fail with SessionPayloadError only, and never open under strict encryption (${QUICK_RUNS} cases; 100,000 in the long suite)`, async () => {
    await arbitraryBytesContained(QUICK_RUNS);
  });

  test(`through the manager: a corrupt record is an anonymous session and nothing is written (${QUICK_RUNS} cases; 100,000 in the long suite)`, async () => {
    await corruptRecordIsAnonymous(QUICK_RUNS, SECRET, samples);
  });
});
