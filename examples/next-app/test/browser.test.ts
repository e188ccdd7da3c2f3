import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePortRange, skipTitle, uniquePrefix, useBackend } from '@sessionkit/testing';
import { Redis } from 'ioredis';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { describe, expect, onTestFinished, test } from 'vitest';
import { type AppServer, appDir, assertBuilt, startApp } from './app-server';

/** Debian's chromium, driven by playwright-core (no browser download); .ci/run installs it. */
const CHROMIUM = '/usr/bin/chromium';
const noBrowser = existsSync(CHROMIUM)
  ? null
  : `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium), as .ci/run does`;

// Redis (the owner index behind "sign out everywhere") when provisioned; otherwise the file store,
// which has an owner index too, so the browser flow runs wherever Chromium does.
// biome-ignore lint/correctness/useHookAtTopLevel: useBackend is the test provisioning helper, not a React hook.
const redis = await useBackend('redis');
const storeName = redis.available ? 'Redis' : 'the file store';
const prefix = `${uniquePrefix('example_next')}:`;
// Its own build folder (gitignored .tmp/), removed afterwards: never a stale or a user's build.
const distDir = `.tmp/next-test-${process.pid}`;

/** Where the app keeps sessions for this test; everything it leaves behind goes afterwards. */
function sessionStoreEnv(): Record<string, string> {
  onTestFinished(() => rmSync(join(appDir, distDir), { recursive: true, force: true }));
  if (!redis.available) {
    const dir = mkdtempSync(join(tmpdir(), 'sessionkit-next-app-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    return { SESSION_DIR: dir };
  }
  onTestFinished(async () => {
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
    await client.quit();
  });
  return { REDIS_URL: redis.url, SESSION_PREFIX: prefix };
}

/** Signs in through the page's form (a server action) and waits for the signed-in page. */
async function signIn(page: Page, name: string) {
  await page.getByPlaceholder('Your name').fill(name);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#user').waitFor();
}

async function addToCart(page: Page, product: string, expected: string) {
  await page.getByRole('button', { name: `Add ${product} to cart` }).click();
  await page.locator('#cart', { hasText: expected }).waitFor();
}

const cartText = (page: Page) => page.locator('#cart').textContent();

async function sessionCookie(context: BrowserContext) {
  return (await context.cookies()).find((cookie) => cookie.name === 'sid');
}

const title = noBrowser
  ? skipTitle('next-app example in headless Chromium', noBrowser)
  : `next-app example in headless Chromium, sessions in ${storeName}`;

describe.skipIf(noBrowser)(title, () => {
  test('sign in, a cart that survives a server restart, and sign out everywhere from a second browser', async () => {
    assertBuilt(['core', 'next', 'redis', 'file']);
    const port = await findFreePortRange(1, { min: 30000, max: 40000 });
    const env = {
      NEXT_DIST_DIR: distDir,
      SESSION_SECRET: 'next-app-example-test-secret-0123456789abcdef',
      ...sessionStoreEnv(),
    };
    let server: AppServer | undefined = await startApp(port, env);
    onTestFinished(() => server?.stop());
    expect(server.output(), 'the first start builds the app').toContain('next build');

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      // launch() gives the browser a fresh temporary profile (user-data-dir) and removes it on close.
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    onTestFinished(() => browser.close());

    // The laptop: sign in, fill the cart.
    const laptop = await browser.newContext();
    const page = await laptop.newPage();
    await page.goto(server.origin);
    expect(await cartText(page)).toBe('Your cart is empty.');
    expect(await sessionCookie(laptop), 'an anonymous visit sets no cookie').toBeUndefined();
    await signIn(page, 'alice');
    expect(await page.locator('#user').textContent()).toBe('alice');
    expect(await page.locator('#devices').textContent()).toBe('1 active session');
    await addToCart(page, 'Sencha green tea', '× 1');
    await addToCart(page, 'Sencha green tea', '× 2');
    await addToCart(page, 'Stoneware mug', 'Stoneware mug');
    expect(await cartText(page)).toMatch(/Sencha green tea\s*× 2\s*Stoneware mug\s*× 1/);
    // The flash the action set before its redirect is shown once: the notice consumes it as soon
    // as it is on screen, and the page does not show it again.
    const notice = page.locator('#notice[data-consumed="true"]');
    await notice.waitFor();
    expect(await notice.textContent()).toBe('Added Stoneware mug to your cart.');
    await page.reload();
    await page.locator('#cart').waitFor();
    expect(await page.locator('#notice').count(), 'the notice is gone after a reload').toBe(0);

    const cookie = await sessionCookie(laptop);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    const screenshot = join(tmpdir(), `sessionkit-next-app-${process.pid}.png`);
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`next-app screenshot: ${screenshot}`);

    // Restart the Next.js server: the session lives in the store, not in the process.
    await server.stop();
    server = undefined;
    server = await startApp(port, env);
    expect(server.output(), 'the restart reuses the build').not.toContain('next build');
    await page.reload();
    expect(await page.locator('#user').textContent()).toBe('alice');
    expect(await cartText(page)).toMatch(/Sencha green tea\s*× 2\s*Stoneware mug\s*× 1/);

    // The phone: a second browser context signs in as the same user and signs out everywhere.
    const phone = await browser.newContext();
    const phonePage = await phone.newPage();
    await phonePage.goto(server.origin);
    await signIn(phonePage, 'alice');
    expect(await phonePage.locator('#devices').textContent()).toBe('2 active sessions');
    expect((await sessionCookie(phone))?.value).not.toBe(cookie?.value);
    await phonePage.getByRole('button', { name: 'Sign out everywhere' }).click();
    await phonePage.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await sessionCookie(phone), 'the clearing cookie reached the phone').toBeUndefined();

    // The laptop's next request is anonymous: its session was deleted from the store.
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.locator('#user').count()).toBe(0);
    expect(await cartText(page)).toBe('Your cart is empty.');
  }, 300_000);
});
