#!/usr/bin/env node
import { runCli } from './run';

// No top-level await: the entry is also built as CommonJS.
void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
