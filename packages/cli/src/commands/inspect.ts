import {
  createEnvelope,
  type EncryptionKey,
  isSessionError,
  readSessionContents,
  storageKeyFor,
} from '@sessionkit/core';
import { EXIT, UsageError } from '../io';
import { storeCommand } from './store-command';

/** `id=secret` pairs from --encryption-key flags or SESSIONKIT_ENCRYPTION_KEYS (comma-separated). */
function encryptionKeys(flags: string[] | undefined): EncryptionKey[] {
  const pairs = flags?.length
    ? flags
    : (process.env.SESSIONKIT_ENCRYPTION_KEYS ?? '').split(',').filter(Boolean);
  return pairs.map((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0)
      throw new UsageError(
        '--encryption-key takes ID=SECRET (the id and key of encryption.keys).',
        'inspect',
      );
    return { id: pair.slice(0, eq), key: pair.slice(eq + 1) };
  });
}

/** JSON for humans: Dates as ISO strings, Maps as objects, Sets as arrays, bytes by length. */
function printable(value: unknown, redact: boolean): unknown {
  if (value instanceof Date) return redact ? '<Date>' : value.toISOString();
  if (value instanceof Map)
    return Object.fromEntries([...value].map(([k, v]) => [String(k), printable(v, redact)]));
  if (value instanceof Set) return [...value].map((v) => printable(v, redact));
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (Array.isArray(value)) return value.map((v) => printable(v, redact));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, printable(v, redact)]));
  }
  if (typeof value === 'bigint') return redact ? '<bigint>' : `${value}n`;
  if (redact) return value === null ? null : `<${typeof value}>`;
  return value;
}

export const inspectCommand = storeCommand({
  name: 'inspect',
  summary: 'print one session decoded (data, flash, owner, expiry)',
  usage: 'inspect <session-id | --key STORAGE_KEY> [--redact] [--encryption-key ID=SECRET]... [--store URL]',
  description:
    'Reads one live session and prints it as JSON: storage key, version, owner, creation and expiry\n' +
    'times, data and flash values. Pass the session ID (from the cookie, before the signature) or,\n' +
    'with --key, the storage key that listings and hooks show. Encrypted stores need the keys.',
  options: {
    key: { type: 'string', short: 'k' },
    redact: { type: 'boolean', short: 'r' },
    'encryption-key': { type: 'string', multiple: true, short: 'e' },
    'no-hash': { type: 'boolean' },
  },
  optionHelp: `  -k, --key KEY              look up by storage key instead of session ID
  -r, --redact               print value types instead of values
  -e, --encryption-key ID=SECRET
                             an encryption key (repeat for rotation); default SESSIONKIT_ENCRYPTION_KEYS
      --no-hash              the app sets hashIds: false (the store key is the ID itself)`,
  async run({ store, values, positionals, io, report }) {
    const [id, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}.`, 'inspect');
    if ((id === undefined) === (values.key === undefined)) {
      throw new UsageError('inspect needs either a session ID or --key STORAGE_KEY.', 'inspect');
    }
    const key =
      (values.key as string | undefined) ?? (await storageKeyFor(id as string, values['no-hash'] !== true));
    const keys = encryptionKeys(values['encryption-key'] as string[] | undefined);
    const envelope = createEnvelope({ encryption: keys.length ? { keys } : false });
    const record = await store.get(key);
    if (record === null) {
      io.stderr(`sessionkit: no live session under key ${key}\n`);
      return EXIT.failure;
    }
    let opened: unknown;
    try {
      opened = await envelope.open(record.payload, key);
    } catch (error) {
      const hint = isSessionError(error) ? ' (encrypted? pass --encryption-key ID=SECRET)' : '';
      throw new Error(`the stored payload cannot be opened${hint}: ${(error as Error).message}`);
    }
    const contents = readSessionContents(opened);
    if (contents === null) throw new Error('the stored payload is not a sessionkit session.');
    const redact = values.redact === true;
    const output = {
      key,
      version: record.version,
      ownerId: redact && record.ownerId ? '<string>' : (record.ownerId ?? null),
      createdAt: new Date(contents.createdAt).toISOString(),
      expiresAt: new Date(record.expiresAt).toISOString(),
      data: printable(contents.data, redact),
      flash: printable(contents.flash, redact),
    };
    // Already JSON: --json changes nothing here, it is accepted for the same scripts as elsewhere.
    report(output, () => `${JSON.stringify(output, null, 2)}\n`);
    return EXIT.ok;
  },
});
