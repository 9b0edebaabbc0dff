import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'dist/', 'bench/results/', 'web/vendor/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', document: 'readonly', window: 'readonly', fetch: 'readonly', WebSocket: 'readonly', MediaSource: 'readonly', Hls: 'readonly', Blob: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': ['error', { ignoreRestArgs: true }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  // Migrations take Kysely<any> by design (conventions §8); CLI and tools print to the console.
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } } },
  { files: ['src/db/migrations/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  { files: ['src/cli/**', 'tools/**', 'bench/**', 'bin/**', 'test/**', '**/*.test.ts'], rules: { 'no-console': 'off' } },
);
