// Lint rules that keep the import boundaries of ../shared/STYLE.md true.
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const sourceFiles = ['**/*.ts', '**/*.svelte'];

/** Everyone imports domain/; domain/ imports nothing of ours. */
const zones = [
  { target: './domain', from: ['./workflows', './activities', './worker', './api', './console', './db', './scripts'], message: 'domain/ is pure: it imports nothing of ours.' },
  { target: './workflows', from: ['./api', './db', './worker', './console', './scripts'], message: 'Workflows are deterministic orchestration: no api/, db/ or worker code.' },
  { target: './db', from: ['./api', './activities', './worker', './workflows', './console'], message: 'db/ is the schema and its client only.' },
  { target: './activities', from: ['./api', './worker', './console', './workflows'], message: 'Activities reach the API only through Postgres.' },
  { target: './worker', from: ['./api', './console'], message: 'Workers reach the API only through Postgres.' },
  { target: './api', from: ['./worker', './activities', './console'], message: 'The API talks to workflows through the Temporal client only.' },
  { target: './console', from: ['./db', './activities', './worker', './workflows', './scripts', './observability'], message: 'No server code reaches the browser bundle.' },
  { target: './observability', from: ['./workflows', './activities', './worker', './api', './console', './db', './scripts'], message: 'observability/ (logs) is shared by the API and the workers: it imports nothing of theirs.' },
];

/** Imports allowed as types only: the compiler erases them, so no code crosses the line. */
const typeOnly = (regex, message) => ['error', { patterns: [{ regex, allowTypeImports: true, message }] }];

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', 'console/build/', 'console/.svelte-kit/', 'test/artifacts/', 'db/migrations/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    files: sourceFiles,
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'import-x/no-restricted-paths': ['error', { zones }],
      'import-x/no-cycle': 'error',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
  {
    // The workflow sandbox: no Node built-ins, activity code as types only.
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    rules: {
      'import-x/no-nodejs-modules': 'error',
      '@typescript-eslint/no-restricted-imports': typeOnly('(^|/)activities(/|$)', 'Workflows import activity types only (import type).'),
    },
  },
  {
    files: ['api/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': typeOnly(
        '(^|/)workflows(/(?!messages$).*)?$',
        'The API imports workflow functions as types only; messages come from workflows/messages.',
      ),
    },
  },
  {
    files: ['console/**/*.ts', 'console/**/*.svelte'],
    rules: {
      '@typescript-eslint/no-restricted-imports': typeOnly('^(\\.\\./){2,}api(/|$)', 'The console imports api/ as types only.'),
    },
  },
);
