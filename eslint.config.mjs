// Lint: typescript-eslint's recommended rules plus the project's own bans (see README "Contributing").
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'client/generated/**', 'coverage/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', Buffer: 'readonly', console: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-unsafe-function-type': 'off',
      // config.ts is the only reader of process.env.
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through src/config.ts.' }],
    },
  },
  {
    files: ['src/config.ts', 'test/**', 'scripts/**', 'bin/**', 'eslint.config.mjs', 'jest.config.js'],
    rules: { 'no-restricted-properties': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The offline explorer's page script (src/explorer/public/, served as is): a browser script using
    // the React, ReactDOM and GraphiQL globals of the bundles the page loads before it.
    files: ['src/explorer/public/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { window: 'readonly', document: 'readonly', fetch: 'readonly', TextEncoder: 'readonly', btoa: 'readonly', React: 'readonly', ReactDOM: 'readonly', GraphiQL: 'readonly' },
    },
  },
  {
    // The frontend demo's Node programs (plain JavaScript run by `npm run demo`): not the gateway, so
    // they read their own environment.
    files: ['examples/web/*.mjs'],
    languageOptions: { globals: { fetch: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // The typed client's "Use it" example: the reader's own backend, which reads its own environment.
    files: ['examples/typed-client/sign-up.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
