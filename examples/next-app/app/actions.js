'use server';
// Server actions: the only code that changes the session. `withSession` loads it, runs the action
// and commits it before the action's response goes out, so the cookie rides on that response and
// the page rendered with it (in the same response, or after a redirect) already sees the change.
import { redirect } from 'next/navigation';
import { PRODUCTS } from '../lib/products';
import { sessions } from '../lib/sessions';

export const signIn = sessions.withSession(async (session, form) => {
  const name = String(form.get('name') ?? '').trim();
  // A stand-in for real authentication: any well-formed name signs in.
  if (!/^[\w.-]{1,32}$/.test(name)) redirect('/?error=name');
  session.regenerate(); // a new ID at sign-in: an ID planted before it is worthless (fixation)
  session.set('user', name);
  session.setOwner(name); // indexes the session under the user, for "sign out everywhere"
  // No redirect: Next.js renders the page again in this response, and it reads the new session.
});

export const addToCart = sessions.withSession(async (session, form) => {
  const sku = String(form.get('sku') ?? '');
  if (!Object.hasOwn(PRODUCTS, sku)) redirect('/?error=product');
  // update() re-runs on the freshest cart when another request wrote in between.
  session.update('cart', (cart = {}) => ({ ...cart, [sku]: (cart[sku] ?? 0) + 1 }));
  // For the page after the redirect; the id tells two notices with the same text apart.
  session.flash('notice', { id: crypto.randomUUID(), text: `Added ${PRODUCTS[sku]} to your cart.` });
  redirect('/');
});

// The page can only peek at a flash (server components cannot write the session): the notice
// calls this once it is on screen, so no later page shows it again.
export const dismissNotice = sessions.withSession(async (session) => {
  session.getFlash('notice');
});

export const signOut = sessions.withSession(async (session) => {
  session.destroy(); // deletes the record and clears the cookie
  redirect('/');
});

export const signOutEverywhere = sessions.withSession(async (session) => {
  const user = session.get('user');
  // Every session of this user, in every browser and on every server process.
  if (user) await sessions.manager.revokeSessions(user);
  session.destroy();
  redirect('/');
});
