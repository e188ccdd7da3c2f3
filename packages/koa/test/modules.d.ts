// koa2 is the `npm:koa@2` alias installed for the tests; its API is typed like koa.
declare module 'koa2' {
  import Koa = require('koa');
  export = Koa;
}
