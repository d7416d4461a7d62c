import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

// Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no HTTP, no I/O libraries, no config.
const workflowBans = [...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'undici', 'zod', 'pino', 'sharp'];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'lib/**',
      'packages/*/lib/**',
      'data/**',
      '.temporal/**',
      'coverage/**',
      'bench/results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'object-shorthand': 'error',
    },
  },
  {
    // The guide's limit: a function longer than this is several concepts; split it (counts every line of it).
    files: ['src/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 150, skipBlankLines: false, skipComments: false, IIFEs: true }],
    },
  },
  {
    // A file of workflow code longer than this holds several concepts (a class past the function limit, say); split
    // it into parts as src/workflows/job/ does. Code lines only; test/unit/class-size.test.ts caps every class in src/.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    files: [
      'src/workflows/**/*.ts',
      'src/shared/**/*.ts',
      'src/mj/intents/**/*.ts',
      'src/mj/terms/**/*.ts',
      'src/mj/params/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: workflowBans.map((name) => ({ name, message: 'Workflow code must stay deterministic.' })),
          patterns: [
            {
              group: ['**/config', '**/simulator/*'],
              message: 'Workflow code must stay deterministic.',
              allowTypeImports: true,
            },
            {
              // src/mj except its workflow-safe parts: src/mj/intents (the intent catalogue), src/mj/terms (flavours,
              // speed modes, limits) and src/mj/params (the prompt parameter grammar and rules), pure data and
              // functions for workflows too.
              regex: '(^|/)mj(/(?!(intents|terms|params)(/|$)).*)?$',
              message: 'Workflow code must stay deterministic.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', module: 'writable', require: 'readonly' } },
  }
);
