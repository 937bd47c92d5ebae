// ESLint flat config: the recommended JavaScript and typescript-eslint rules over everything tsc checks.
// Not type-aware: the type checker already runs in `npm test`, and type-aware linting doubles the time on two cores.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['node_modules/**', 'packages/client/dist/**', 'packages/matrix-sdk-crypto-disabled/**', '.local/**', 'coverage/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2024, sourceType: 'module' },
    rules: {
      // tsc's noUnusedLocals/noUnusedParameters already refuse these; `_`-prefixed names mark deliberate ones.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['bridge/test/**/*.ts', 'packages/client/test/**/*.ts'],
    rules: {
      // Tests send hostile and malformed payloads on purpose and read answers they have not typed yet.
      '@typescript-eslint/no-explicit-any': 'off',
      // Test regexes match YAML laid out by hand, where the spaces are the indentation.
      'no-regex-spaces': 'off',
    },
  },
);
