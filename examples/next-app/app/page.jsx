import { PRODUCTS } from '../lib/products';
import { sessions, storeLabel } from '../lib/sessions';
import { addToCart, dismissNotice, signIn, signOut, signOutEverywhere } from './actions';
import { Notice } from './notice';

const ERRORS = {
  name: 'Please use a name of 1 to 32 letters or digits.',
  product: 'That product does not exist.',
};

// A server component: it reads the session (read-only, Next.js cannot set cookies while it
// renders); every change goes through the actions.
export default async function Home({ searchParams }) {
  const { error } = await searchParams;
  const session = await sessions.read();
  const user = session.get('user');
  const cart = session.get('cart') ?? {};
  const devices = user ? (await sessions.manager.listSessions(user)).length : 0;
  const lines = Object.entries(cart).filter(([sku]) => Object.hasOwn(PRODUCTS, sku));
  const notice = session.peekFlash('notice');

  return (
    <main>
      <h1>Next.js + {storeLabel}</h1>
      <p className="muted">sessionkit example: sessions survive restarts and work across processes.</p>
      {ERRORS[error] ? <p className="error">{ERRORS[error]}</p> : null}
      {notice ? <Notice key={notice.id} text={notice.text} dismiss={dismissNotice} /> : null}

      <h2>Account</h2>
      {user ? (
        <>
          <p className="muted">
            Signed in as <strong id="user">{user}</strong> ·{' '}
            <span id="devices">
              {devices} active session{devices === 1 ? '' : 's'}
            </span>
          </p>
          <div className="actions">
            <form action={signOut}>
              <button type="submit" className="secondary">
                Sign out
              </button>
            </form>
            <form action={signOutEverywhere}>
              <button type="submit">Sign out everywhere</button>
            </form>
          </div>
        </>
      ) : (
        <form action={signIn}>
          <input name="name" placeholder="Your name" required maxLength={32} autoComplete="username" />{' '}
          <button type="submit">Sign in</button>
        </form>
      )}

      <h2>Products</h2>
      <ul>
        {Object.entries(PRODUCTS).map(([sku, name]) => (
          <li key={sku}>
            <span>{name}</span>
            <form action={addToCart}>
              <input type="hidden" name="sku" value={sku} />
              <button type="submit" className="secondary" aria-label={`Add ${name} to cart`}>
                Add to cart
              </button>
            </form>
          </li>
        ))}
      </ul>

      <h2>Cart</h2>
      {lines.length > 0 ? (
        <ul id="cart">
          {lines.map(([sku, quantity]) => (
            <li key={sku}>
              <span>{PRODUCTS[sku]}</span>
              <strong>× {quantity}</strong>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted" id="cart">
          Your cart is empty.
        </p>
      )}
    </main>
  );
}
