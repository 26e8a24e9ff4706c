/** @type {import('jest').Config} */
module.exports = {
  // otplib 13 and jose 6 ship ESM only; ts-jest compiles them to CommonJS (see DESIGN.md "Known traps").
  preset: 'ts-jest/presets/js-with-ts',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.[tj]sx?$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  transformIgnorePatterns: ['node_modules/(?!(@scure|@noble|@otplib|otplib|jose)/)'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  setupFiles: ['reflect-metadata'],
  testTimeout: 60_000,
  maxWorkers: 2,
};
