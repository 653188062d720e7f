/** The emulator package's HTTP helpers (a tiny QBO client over node:http), for the product's tests. */
export * from '../../packages/qbo-emulator/test/helpers.js';
