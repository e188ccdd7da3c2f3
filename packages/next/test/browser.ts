/**
 * The fixture app in a real headless Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core; .ci/run installs it): what only a browser running Next.js' client shows.
 * Server actions posted by the client router, a useActionState form, a flash message consumed
 * once it is on screen, and a server component that tries to save.
 */
import { existsSync } from 'node:fs';
import { skipTitle } from '@sessionkit/testing';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningServer } from './harness';

const CHROMIUM = '/usr/bin/chromium';
const noBrowser = existsSync(CHROMIUM)
  ? null
  : `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium), as .ci/run does`;

/** `server`: a running fixture server (memory store, one process). */
export function browserSuite(server: () => RunningServer): void {
  describe.skipIf(noBrowser)(skipTitle('in headless Chromium', noBrowser), () => {
    let browser: Browser | undefined;
    beforeAll(async () => {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--disable-background-networking',
        ],
      });
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
    });

    /** A fresh browser profile (no cookies) with one page. */
    async function open(): Promise<{ context: BrowserContext; page: Page }> {
      if (!browser) throw new Error('Chromium did not start (see the beforeAll error)');
      const context = await browser.newContext({ baseURL: server().origin });
      return { context, page: await context.newPage() };
    }

    const text = (page: Page, id: string) => page.locator(`#${id}`).textContent();
    const sid = async (context: BrowserContext) =>
      (await context.cookies()).find((cookie) => cookie.name === 'sid')?.value;

    async function signInHere(page: Page, name: string) {
      await page.goto('/inline');
      await page.getByLabel('Name').fill(name);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('#user', { hasText: name }).waitFor();
    }

    test('a server action that logs in without redirecting: the page shows the new session at once', async () => {
      const { context, page } = await open();
      await page.goto('/inline');
      expect(await text(page, 'user')).toBe('anonymous');
      await signInHere(page, 'ivy');
      const first = await sid(context);
      expect(first, 'the action response set the cookie').toBeDefined();
      expect([await text(page, 'owner'), await text(page, 'is-new')]).toEqual(['ivy', 'false']);
      // Again over the existing session: regenerate() moves it to a new ID, still without a redirect.
      await page.getByLabel('Name').fill('joe');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('#user', { hasText: 'joe' }).waitFor();
      expect(await sid(context)).not.toBe(first);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.locator('#user', { hasText: 'anonymous' }).waitFor();
      expect(await sid(context)).toBeUndefined();
      await context.close();
    });

    test('a useActionState counter: each submission returns the count, and the session keeps it', async () => {
      const { context, page } = await open();
      await page.goto('/counter');
      await page.getByRole('button', { name: 'Add one' }).waitFor();
      expect(await text(page, 'state-count')).toBe('none');
      await page.getByRole('button', { name: 'Add one' }).click();
      await page.locator('#state-count', { hasText: '1' }).waitFor();
      // The first submission created the session and set the cookie, so Next.js rendered the page
      // again in the same response: that render read the session the action had just committed.
      expect(await sid(context)).toBeDefined();
      expect(await text(page, 'server-count')).toBe('1');
      for (const expected of ['2', '3']) {
        await page.getByRole('button', { name: 'Add one' }).click();
        await page.locator('#state-count', { hasText: expected }).waitFor();
      }
      await page.reload();
      expect(await text(page, 'server-count')).toBe('3');
      await context.close();
    });

    test('a flash set before a redirect is shown once: consumed once on screen, gone on reload', async () => {
      const { context, page } = await open();
      await page.goto('/flash');
      await page.getByLabel('Text').fill('report');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.waitForURL('**/flash/shown');
      await page.locator('#notice[data-consumed="true"]').waitFor();
      expect(await text(page, 'notice')).toBe('saved report');
      await page.reload();
      await page.locator('#no-notice').waitFor();
      expect(await page.locator('#notice').count()).toBe(0);
      await page.goto('/flash/shown');
      expect(await page.locator('#notice').count()).toBe(0);
      await context.close();
    });

    test('a server component that tries to save gets a clear error, and the user stays signed in', async () => {
      const { context, page } = await open();
      await signInHere(page, 'zed');
      const cookie = await sid(context);
      await page.goto('/save-in-render');
      expect(await text(page, 'code')).toBe('SESSION_STATE_INVALID');
      expect(await text(page, 'message')).toContain('nothing was written');
      expect(await text(page, 'user')).toBe('zed');
      expect(await sid(context)).toBe(cookie);
      await page.goto('/inline');
      expect(await text(page, 'user')).toBe('zed');
      await context.close();
    });
  });
}
