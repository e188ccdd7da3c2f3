/**
 * Hostile-input properties of the payload envelope, shared by the normal suite (a quick dose) and
 * the long suite (100,000 cases each): truncated, bit-flipped, spliced, wrong key, wrong version,
 * wrong storage key, arbitrary bytes. Opening rejects with SessionPayloadError and nothing else;
 * a changed encrypted payload never opens; through the manager, a corrupt record is an anonymous
 * session and the store is not written to.
 */
import {
  createEnvelope,
  createMemoryStore,
  createSessionManager,
  type Envelope,
  isSessionError,
  SessionPayloadError,
  storageKeyFor,
} from '@sessionkit/core';
import fc from 'fast-check';
import { ensure } from './ensure';
import { signLikeCore } from './hostile';
import { recordingStore } from './recording-store';

const KEY = 'envelope-key-for-the-reliability-suite-0123456789';
const OTHER_KEY = 'a-different-key-under-the-same-id-0123456789abcdef';

const envelopes = {
  plain: createEnvelope({ compression: false }),
  gzip: createEnvelope({ compression: { algorithm: 'gzip', threshold: 0 } }),
  brotli: createEnvelope({ compression: { algorithm: 'brotli', threshold: 0 } }),
  encrypted: createEnvelope({
    encryption: { keys: [{ id: 'k1', key: KEY }] },
    compression: { threshold: 64 },
  }),
  /** The same key id with other key material: what a misconfigured node would have. */
  wrongKey: createEnvelope({ encryption: { keys: [{ id: 'k1', key: OTHER_KEY }] } }),
  /** Refuses anything unencrypted: nobody with write access to the store may plant a session. */
  strict: createEnvelope({ encryption: { keys: [{ id: 'k1', key: KEY }], acceptUnencrypted: false } }),
};

interface Sample {
  bytes: Uint8Array;
  context: string;
}

/** Sealed payloads of each envelope kind, each under its own storage key. */
export type EnvelopeSamples = Record<'plain' | 'gzip' | 'brotli' | 'encrypted', Sample[]>;

/** Seals 48 session-shaped bodies of varied size and content with every envelope kind. */
export async function envelopeSamples(): Promise<EnvelopeSamples> {
  const samples: EnvelopeSamples = { plain: [], gzip: [], brotli: [], encrypted: [] };
  const bodies = fc.sample(
    fc.record({
      c: fc.integer({ min: 0, max: 2 ** 45 }),
      d: fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 12 }),
      f: fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 20 }), { maxKeys: 2 }),
    }),
    { numRuns: 48, seed: 42 },
  );
  for (const [name, list] of Object.entries(samples)) {
    const envelope = envelopes[name as keyof EnvelopeSamples];
    for (const [i, body] of bodies.entries()) {
      const context = await storageKeyFor(`sample-${name}-${i}-aaaaaaaaaaaaaaaaaaaaaa`, true);
      list.push({ bytes: await envelope.seal(body, context), context });
    }
  }
  return samples;
}

type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'byte'; at: number; value: number }
  | { kind: 'version'; value: number }
  | { kind: 'append'; bytes: Uint8Array }
  | { kind: 'splice'; other: number; at: number }
  | { kind: 'context' };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant('version' as const),
    value: fc.integer({ min: 0, max: 255 }).filter((v) => v !== 1),
  }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 32 }) }),
  fc.record({ kind: fc.constant('splice' as const), other: fc.nat(), at: fc.nat() }),
  fc.constant({ kind: 'context' as const }),
);

/** The mutated bytes and context; `changed` is false when the mutation happened to change nothing. */
function mutate(
  sample: Sample,
  m: Mutation,
  pool: Sample[],
): { bytes: Uint8Array; context: string; changed: boolean } {
  const bytes = Uint8Array.from(sample.bytes);
  const at = (n: number) => n % bytes.length;
  switch (m.kind) {
    case 'truncate':
      return { bytes: bytes.subarray(0, at(m.at)), context: sample.context, changed: true };
    case 'flip':
      bytes[at(m.at)] = (bytes[at(m.at)] as number) ^ (1 << m.bit);
      return { bytes, context: sample.context, changed: true };
    case 'byte': {
      const changed = bytes[at(m.at)] !== m.value;
      bytes[at(m.at)] = m.value;
      return { bytes, context: sample.context, changed };
    }
    case 'version':
      bytes[2] = m.value;
      return { bytes, context: sample.context, changed: true };
    case 'append':
      return { bytes: Uint8Array.from([...bytes, ...m.bytes]), context: sample.context, changed: true };
    case 'splice': {
      // The head of this payload on the tail of another one (same header shape, other body).
      const other = pool[m.other % pool.length] as Sample;
      const cut = 6 + (m.at % Math.max(1, Math.min(bytes.length, other.bytes.length) - 6));
      const spliced = Uint8Array.from([...bytes.subarray(0, cut), ...other.bytes.subarray(cut)]);
      const changed = spliced.length !== bytes.length || spliced.some((b, i) => b !== bytes[i]);
      return { bytes: spliced, context: sample.context, changed };
    }
    case 'context':
      return { bytes, context: `${sample.context}x`, changed: true };
  }
}

/** Opens and returns 'opened' or 'rejected'; anything but a SessionPayloadError fails the property. */
async function open(envelope: Envelope, bytes: Uint8Array, context: string): Promise<'opened' | 'rejected'> {
  try {
    await envelope.open(bytes, context);
    return 'opened';
  } catch (error) {
    ensure(
      error instanceof SessionPayloadError && isSessionError(error, 'SESSION_PAYLOAD_INVALID'),
      `open rejected with ${String(error)} instead of a SessionPayloadError`,
    );
    return 'rejected';
  }
}

/** A changed encrypted payload never opens, under any mutation, nor under the wrong key. */
export async function encryptedTamperRejected(runs: number, samples: EnvelopeSamples): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.nat(), mutation, fc.boolean(), async (which, m, wrongKey) => {
      const pool = samples.encrypted;
      const sample = pool[which % pool.length] as Sample;
      const mutated = mutate(sample, m, pool);
      if (!mutated.changed && !wrongKey) return;
      const envelope = wrongKey ? envelopes.wrongKey : envelopes.encrypted;
      ensure(
        (await open(envelope, mutated.bytes, mutated.context)) === 'rejected',
        'a changed payload opened',
      );
      // The untouched payload under the wrong key: rejected too.
      if (wrongKey)
        ensure((await open(envelope, sample.bytes, sample.context)) === 'rejected', 'wrong key opened');
    }),
    { numRuns: runs },
  );
}

/**
 * A changed plain or compressed payload opens (unauthenticated data may still decode) or fails
 * with SessionPayloadError only; with acceptUnencrypted false it never opens. Resolves the counts.
 */
export async function plainMutationsContained(
  runs: number,
  samples: EnvelopeSamples,
): Promise<{ opened: number; rejected: number }> {
  const counts = { opened: 0, rejected: 0 };
  const kinds = fc.constantFrom<'plain' | 'gzip' | 'brotli'>('plain', 'gzip', 'brotli');
  await fc.assert(
    fc.asyncProperty(kinds, fc.nat(), mutation, async (name, which, m) => {
      const pool = samples[name];
      const mutated = mutate(pool[which % pool.length] as Sample, m, pool);
      counts[await open(envelopes[name], mutated.bytes, mutated.context)]++;
      ensure(
        (await open(envelopes.strict, mutated.bytes, mutated.context)) === 'rejected',
        'strict opened plain',
      );
    }),
    { numRuns: runs },
  );
  return counts;
}

/** Arbitrary bytes (behind plausible headers or none) fail with SessionPayloadError only; never open under strict encryption. */
export async function arbitraryBytesContained(runs: number): Promise<void> {
  const header = fc.constantFrom(
    [],
    [0xf5, 0x4b],
    [0xf5, 0x4b, 1, 0, 1],
    [0xf5, 0x4b, 1, 1, 1, 2, 107, 49],
    [0xf5, 0x4b, 1, 2, 1],
    [0xf5, 0x4b, 1, 4, 1],
    [0xf5, 0x4b, 2, 0, 1],
  );
  const kinds = fc.constantFrom<keyof typeof envelopes>('plain', 'gzip', 'brotli', 'encrypted', 'strict');
  await fc.assert(
    fc.asyncProperty(header, fc.uint8Array({ maxLength: 96 }), kinds, async (head, tail, name) => {
      const result = await open(envelopes[name], Uint8Array.from([...head, ...tail]), 'context');
      // Forging an encrypted payload needs the key: under 'strict' nothing opens.
      if (name === 'strict') ensure(result === 'rejected', 'arbitrary bytes opened under strict encryption');
    }),
    { numRuns: runs },
  );
}

/** Through the manager: a corrupt stored record is an anonymous session, a payloadError event, and no write. */
export async function corruptRecordIsAnonymous(
  runs: number,
  secret: string,
  samples: EnvelopeSamples,
): Promise<void> {
  const recorded = recordingStore(createMemoryStore({ maxSessions: 0 }));
  const payloadErrors: string[] = [];
  const manager = createSessionManager({
    store: recorded.store,
    secrets: [secret],
    encryption: { keys: [{ id: 'k1', key: KEY }] },
    hooks: { payloadError: (event) => payloadErrors.push(event.error.code) },
  });
  const id = 'reliabilitySuiteSessionId_0123456789abcd';
  const key = await storageKeyFor(id, true);
  const header = `sid=${signLikeCore(id, secret)}`;
  const sample = {
    bytes: await envelopes.encrypted.seal({ c: Date.now(), d: { user: 'u1' }, f: {} }, key),
    context: key,
  };
  await fc.assert(
    fc.asyncProperty(mutation, async (m) => {
      const mutated = mutate(sample, m, samples.encrypted);
      if (!mutated.changed || mutated.context !== key) return;
      await recorded.store.set(key, { payload: mutated.bytes, version: 1, expiresAt: Date.now() + 60_000 });
      recorded.calls.length = 0;
      payloadErrors.length = 0;
      const session = await manager.load(header);
      ensure(session.isNew && session.get('user') === undefined, 'a corrupt record loaded as a session');
      ensure(payloadErrors.length === 1 && payloadErrors[0] === 'SESSION_PAYLOAD_INVALID', 'no payloadError');
      ensure(recorded.calls.length === 1 && recorded.calls[0]?.method === 'get', 'the store was written to');
      await recorded.store.destroy(key);
    }),
    { numRuns: runs },
  );
}
