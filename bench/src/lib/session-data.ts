import { randomBytes } from 'node:crypto';

const WORDS = [
  'classic',
  'leather',
  'backpack',
  'wireless',
  'earbuds',
  'ceramic',
  'mug',
  'organic',
  'cotton',
  'shirt',
];

/**
 * A session of about `targetBytes` of JSON: a signed-in shopper with a cart, recently viewed
 * products, preferences and a half-filled form, which is what large sessions tend to carry.
 * Repetitive keys, but random tokens and ids, so compression ratios are not flattered. `random`
 * supplies those bytes; pass a seeded source where two servers must hold the same data.
 */
export function realisticSession(
  targetBytes: number,
  random: (bytes: number) => Buffer = randomBytes,
): Record<string, unknown> {
  const session: Record<string, unknown> = {
    user: { id: 'user-004211', name: 'Alex Example', email: 'alex@example.com', roles: ['customer'] },
    csrf: random(16).toString('base64url'),
    locale: 'en-GB',
    currency: 'EUR',
    prefs: { theme: 'dark', newsletter: false, pageSize: 24 },
    cart: [] as unknown[],
    recentlyViewed: [] as string[],
  };
  const cart = session.cart as unknown[];
  const viewed = session.recentlyViewed as string[];
  let i = 0;
  while (JSON.stringify(session).length < targetBytes) {
    if (i % 3 === 0) viewed.push(`SKU-${random(3).toString('hex').toUpperCase()}`);
    else {
      cart.push({
        sku: `SKU-${random(3).toString('hex').toUpperCase()}`,
        name: `${WORDS[i % WORDS.length]} ${WORDS[(i * 7) % WORDS.length]}`,
        qty: (i % 3) + 1,
        price: Math.round(((i * 37) % 9000) + 99) / 100,
        addedAt: 1_760_000_000_000 + i * 61_000,
      });
    }
    i++;
  }
  return session;
}
