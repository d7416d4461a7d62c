/**
 * `npm run test:cluster`: the production path on a real multi-process Temporal cluster on PostgreSQL (see
 * scripts/cluster). Not part of `npm test`: it builds the server from its Go module on first use.
 * Run from the repository root (`jest -c test/cluster/jest.config.js`).
 */
module.exports = {
  rootDir: '../..',
  displayName: 'cluster',
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  setupFiles: ['<rootDir>/test/helpers/setup-env.ts'],
  globalSetup: '<rootDir>/test/helpers/grpc-shutdown-guard.js',
  testMatch: ['<rootDir>/test/cluster/**/*.test.ts'],
};
