// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules', 'dist', '.scenarios', 'test-results', 'tmp', 'src/inspect/public/vendor'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Pure code: machines, config and report never touch the world (Temporal's workflow rule).
    files: ['src/machines/**/*.ts', 'src/config/**/*.ts', 'src/report/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            // seededRandom is pure arithmetic: the report's bootstrap draws from it so a rebuilt report is the same.
            { group: ['node:*', 'pg', '@electric-sql/*', '../actors/*', '!../actors/seededRandom.ts', '../persistence/*', '../inspect/*', '../cli/*'], allowTypeImports: true, message: 'Keep machines, config and report pure: I/O lives in actors/ and persistence/.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'Date', message: 'Time arrives in events; machines stay deterministic.' }],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Use the seeded generator.' }],
    },
  },
  {
    // The one door from config/ to the file system.
    files: ['src/config/loadConfigFile.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': 'off' },
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // The inspector page: plain browser ES modules, served as they are (no bundler, no framework).
    files: ['src/inspect/public/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(
        ['window', 'document', 'Node', 'Element', 'Option', 'DOMParser', 'EventSource', 'fetch', 'confirm', 'requestAnimationFrame', 'setTimeout', 'clearTimeout', 'setInterval', 'console'].map(
          (name) => [name, 'readonly'],
        ),
      ),
    },
  },
);
