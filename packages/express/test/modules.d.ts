// express4 is the `npm:express@4` alias installed for the tests; its API is typed like express.
declare module 'express4' {
  import express = require('express');
  export = express;
}
