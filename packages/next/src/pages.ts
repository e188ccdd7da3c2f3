// `@sessionkit/next/pages`: its own entry so neither router bundles the other's code; the App Router
// entry imports `next/headers`, whose functions only work inside the App Router.
export { createPagesSessions, type PagesSessions } from './pages-router';
