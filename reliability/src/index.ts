// The reliability suite's building blocks, for the tests in test/ and long/. (src/app-server.ts
// is not exported: it is the entry of an app node's child process and starts a server on import.)
export * from './app-config';
export * from './app-process';
export * from './fault-checks';
export * from './fault-scenario';
export * from './fault-targets';
export * from './http-client';
export * from './load';
export * from './many-nodes';
export * from './properties-cookies';
export * from './properties-envelope';
export * from './properties-store-keys';
export * from './proxy';
export * from './raw-contents';
export * from './recording-store';
export * from './results';
export * from './session-user';
export * from './soak';
export * from './store-subjects';
