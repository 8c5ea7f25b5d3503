// The stand-in's type: zod's own (it re-exports zod's modules; test/worker/bundle.test.ts checks which).
export * from 'zod';
export { z as default } from 'zod';
