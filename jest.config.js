/**
 * Five projects, one command (`npm test`): unit (no I/O, no child processes), scripts (the CLIs in scripts/ run as
 * child processes, no services), integration (DynamoDB Local), bench (npm run bench with
 * tiny N), e2e (HTTP through serverless offline, the whole local stack). @swc/jest compiles TypeScript and
 * the ESM-only @middy packages to CommonJS.
 */
const swc = [
  '@swc/jest',
  { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
];
const common = {
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: ['/node_modules/(?!(@middy)/)'],
  // @middy packages export only an "import" condition; point jest's CommonJS resolver at the file.
  moduleNameMapper: { '^@middy/(core|util)$': '<rootDir>/node_modules/@middy/$1/index.js' },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/test/support/quiet-sdk.ts'],
};

module.exports = {
  // Integration and e2e tests wait on real processes; jest reads testTimeout only at the top level.
  testTimeout: 60_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/support/quiet-sdk.ts', '<rootDir>/test/unit/setup-env.ts'],
    },
    {
      ...common,
      displayName: 'scripts',
      testMatch: ['<rootDir>/test/scripts/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    },
    {
      // npm run bench once with tiny N (its own DynamoDB Local and local EventBridge).
      ...common,
      displayName: 'bench',
      testMatch: ['<rootDir>/test/bench/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/e2e/global-setup.ts',
      globalTeardown: '<rootDir>/test/e2e/global-teardown.ts',
    },
  ],
};
