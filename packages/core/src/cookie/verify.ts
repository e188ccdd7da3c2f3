import { readCookieValues } from './cookie';
import { isWellFormedSessionId } from './ids';
import { type CookieSigner, createCookieSigner, normalizeSecrets } from './signer';

/** Signed cookies beyond this many per request are ignored, so a stuffed header cannot fan out work. */
const MAX_COOKIE_CANDIDATES = 4;

/** Checks session cookies without touching a store. */
export interface CookieVerifier {
  /** Every validly signed, well-formed session ID in the Cookie header, in header order. */
  verifiedIds(cookieHeader: string | null | undefined): Promise<string[]>;
  /** The first validly signed session ID, or null. Never throws on hostile input. */
  verify(cookieHeader: string | null | undefined): Promise<string | null>;
}

/**
 * Verifies session cookies with the same secrets as the SessionManager. It needs no Node API (Web
 * Crypto where node:crypto is missing), so it runs in edge middleware. It proves the cookie was
 * issued by you, not that the session is still alive: that needs the store.
 *
 * @example
 * const verifier = createCookieVerifier({ secrets: [process.env.SESSION_SECRET!] });
 * const id = await verifier.verify(request.headers.get('cookie')); // string | null
 */
export function createCookieVerifier(options: {
  secrets: string | readonly string[];
  cookieName?: string;
}): CookieVerifier {
  const signer = createCookieSigner(normalizeSecrets(options.secrets));
  const name = options.cookieName ?? 'sid';
  const verifiedIds = async (header: string | null | undefined) =>
    (await verifiedCookies(signer, header, name)).map((cookie) => cookie.id);
  return {
    verifiedIds,
    async verify(header) {
      return (await verifiedIds(header))[0] ?? null;
    },
  };
}

/** A session cookie whose signature checked out. */
export interface VerifiedCookie {
  id: string;
  /** The cookie value as sent: `id.signature`. */
  signed: string;
  /** Signed with the secret that signs today, so it can be sent back as it is. */
  current: boolean;
}

/**
 * Every validly signed, well-formed session cookie in the header, in header order. Synchronous
 * when the signer is (node:crypto): this runs on every request, and a promise costs a turn.
 */
export function verifiedCookies(
  signer: CookieSigner,
  header: string | null | undefined,
  name: string,
): VerifiedCookie[] | Promise<VerifiedCookie[]> {
  const candidates = readCookieValues(header, name);
  const found: VerifiedCookie[] = [];
  const count = Math.min(candidates.length, MAX_COOKIE_CANDIDATES);
  for (let i = 0; i < count; i++) {
    const signed = candidates[i] as string;
    const index = signer.signerIndex(signed);
    if (typeof index !== 'number') return finishLater(signer, candidates.slice(i, count), index, found);
    keep(found, signed, index);
  }
  return found;
}

/** The rest of verifiedCookies once a signature check answered with a promise (Web Crypto). */
async function finishLater(
  signer: CookieSigner,
  rest: string[],
  first: Promise<number>,
  found: VerifiedCookie[],
): Promise<VerifiedCookie[]> {
  keep(found, rest[0] as string, await first);
  for (const signed of rest.slice(1)) keep(found, signed, await signer.signerIndex(signed));
  return found;
}

function keep(found: VerifiedCookie[], signed: string, index: number): void {
  if (index === -1) return;
  const id = signed.slice(0, signed.lastIndexOf('.'));
  if (isWellFormedSessionId(id)) found.push({ id, signed, current: index === 0 });
}
