// The example's one HTML page: plain forms, no client-side JavaScript. The session cookie is
// SameSite=Lax, so browsers leave it off form posts from other sites; an app whose forms change
// anything that matters should add CSRF tokens on top.

/** The products the cart accepts, by SKU. */
export const PRODUCTS = {
  beans: 'Espresso beans, 250 g',
  tea: 'Sencha green tea',
  mug: 'Stoneware mug',
};

const escapeHtml = (value) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d2330; }
  main { max-width: 640px; margin: 40px auto; padding: 24px 28px; background: #fff;
         border-radius: 10px; box-shadow: 0 1px 4px rgba(0,0,0,.08); }
  h1 { font-size: 1.4rem; margin: 0 0 4px; } h2 { font-size: 1.05rem; margin: 24px 0 8px; }
  .muted { color: #667085; margin: 0; } .notice { background: #e8f5ee; color: #12623a;
           padding: 8px 12px; border-radius: 6px; margin: 16px 0 0; }
  ul { list-style: none; padding: 0; margin: 0; }
  li { display: flex; justify-content: space-between; align-items: center; padding: 6px 0;
       border-bottom: 1px solid #eef0f3; }
  form { display: inline; } input { font: inherit; padding: 5px 8px; border: 1px solid #c9ced6;
         border-radius: 6px; }
  button { font: inherit; padding: 5px 12px; border: 0; border-radius: 6px; background: #2f5bea;
           color: #fff; cursor: pointer; } button.secondary { background: #e4e7ec; color: #1d2330; }
  .actions { display: flex; gap: 8px; margin-top: 20px; }`;

const LAYOUT = (title, body) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · sessionkit</title><style>${STYLE}</style></head>
<body><main>
  <h1>${escapeHtml(title)}</h1>
${body}
</main></body></html>`;

const when = (at) => (at === null ? 'unknown' : new Date(at).toISOString().replace('T', ' ').slice(0, 19));

/**
 * Renders the devices page: each signed-in session of the user, with a button that ends it.
 * @param {{ title: string, user: string, notice?: string, devices: Array<{ key: string, createdAt: number | null, lastActiveAt: number | null, expiresAt: number, meta: Record<string, unknown> | null, current: boolean }> }} view
 */
export function renderDevices({ title, user, devices, notice }) {
  const rows = devices
    .map(
      (d) => `<li class="device"><span><strong>${escapeHtml(d.meta?.userAgent ?? 'unknown browser')}</strong>
        ${d.current ? '<em class="current">(this device)</em>' : ''}<br>
        <small class="muted">from ${escapeHtml(d.meta?.ip ?? '?')} · signed in ${when(d.createdAt)} UTC ·
        last active ${when(d.lastActiveAt)} UTC</small></span>
        <form method="post" action="/devices/revoke"><input type="hidden" name="key" value="${escapeHtml(d.key)}">
        <button type="submit" class="secondary">${d.current ? 'Sign out' : 'Sign out this device'}</button></form></li>`,
    )
    .join('');
  return LAYOUT(
    title,
    `  ${notice ? `<p class="notice">${escapeHtml(notice)}</p>` : ''}
  <p class="muted">Signed in as <strong id="user">${escapeHtml(user)}</strong> on ${devices.length} device(s).</p>
  <ul id="devices">${rows}</ul>
  <div class="actions"><a href="/">Back to the shop</a>
    <form method="post" action="/logout-everywhere"><button>Sign out everywhere</button></form></div>`,
  );
}

/**
 * Renders the page for one session.
 * @param {{ title: string, user: string | null, cart: Record<string, number>, devices: number, notice?: string }} view
 */
export function renderPage({ title, user, cart, devices, notice }) {
  const products = Object.entries(PRODUCTS)
    .map(
      ([sku, name]) => `<li><span>${escapeHtml(name)}</span>
        <form method="post" action="/cart"><input type="hidden" name="sku" value="${sku}">
        <button type="submit" class="secondary">Add to cart</button></form></li>`,
    )
    .join('');
  const lines = Object.entries(cart).filter(([sku]) => Object.hasOwn(PRODUCTS, sku));
  const cartHtml = lines.length
    ? `<ul id="cart">${lines.map(([sku, qty]) => `<li><span>${escapeHtml(PRODUCTS[sku])}</span><strong>× ${qty}</strong></li>`).join('')}</ul>`
    : '<p class="muted" id="cart">Your cart is empty.</p>';
  const account = user
    ? `<p class="muted">Signed in as <strong id="user">${escapeHtml(user)}</strong>
         · <a href="/devices" id="devices-link">${devices} active session${devices === 1 ? '' : 's'}</a></p>
       <div class="actions">
         <form method="post" action="/logout"><button class="secondary">Sign out</button></form>
         <form method="post" action="/logout-everywhere"><button>Sign out everywhere</button></form>
       </div>`
    : `<form method="post" action="/login"><input name="name" placeholder="Your name" required
         maxlength="32" autocomplete="username"> <button type="submit">Sign in</button></form>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · sessionkit</title><style>${STYLE}</style></head>
<body><main>
  <h1>${escapeHtml(title)}</h1>
  <p class="muted">sessionkit example: sessions survive restarts and work across processes.</p>
  ${notice ? `<p class="notice">${escapeHtml(notice)}</p>` : ''}
  <h2>Account</h2>${account}
  <h2>Products</h2><ul>${products}</ul>
  <h2>Cart</h2>${cartHtml}
</main></body></html>`;
}
