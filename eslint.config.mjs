// ESLint flat config (`npm run lint`, run by .ci/run). @eslint/js recommended + typescript-eslint
// recommended, with type information (see TYPE_AWARE below), for the TypeScript sources and for the
// plain CommonJS scripts (scripts/, bin/, jest.config.js).
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Globals of Node.js (CommonJS) and of Jest, spelled out because the `globals` package is not a
// dependency. Only plain .js/.mjs/.cjs files need them: for TypeScript, typescript-eslint turns
// no-undef off (the compiler checks names against @types/node and @types/jest).
const nodeGlobals = Object.fromEntries(
  [
    'AbortController', 'AbortSignal', 'Blob', 'Buffer', 'URL', 'URLSearchParams', 'TextDecoder',
    'TextEncoder', 'console', 'fetch', 'global', 'globalThis', 'performance', 'process',
    'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout',
    'clearTimeout', 'structuredClone', 'WebAssembly',
  ].map((name) => [name, 'readonly']),
);
const commonjsGlobals = { require: 'readonly', module: 'writable', exports: 'writable', __dirname: 'readonly', __filename: 'readonly' };
const jestGlobals = Object.fromEntries(
  ['afterAll', 'afterEach', 'beforeAll', 'beforeEach', 'describe', 'expect', 'it', 'jest', 'test', 'xdescribe', 'xit', 'xtest', 'fail']
    .map((name) => [name, 'readonly']),
);

export default defineConfig(
  globalIgnores([
    '**/node_modules/',
    'dist/',
    'build/',
    'build-*/',
    'prebuilds/',
    'coverage/',
    'native/',
    'out/',
    'reinpool-demo/',
    '.device/',
    '.cache/',
    // generated: fuzz corpora and fixtures written by test/fixtures/make-fixtures.py
    'test/fuzz/corpus/',
    'test/fixtures/',
  ]),
  {
    linterOptions: {
      // A disable comment that suppresses nothing is an error: every one left must be needed.
      reportUnusedDisableDirectives: 'error',
    },
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    // TypeScript: the type-aware rule set too (no-floating-promises, no-misused-promises, the
    // no-unsafe-* family, ...). With the project service a full run over src/, test/, bench/ and
    // examples/ takes about 20 s on 2 cores, in the same range as `tsc --noEmit` (16 s), which is
    // worth it: most of what these rules catch (an `any` from JSON.parse or require() flowing into
    // typed code, a promise nobody awaits) is invisible to the compiler.
    files: ['**/*.ts', '**/*.mts', '**/*.cts'],
    extends: [tseslint.configs.recommendedTypeCheckedOnly],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `async` without `await` is used on purpose: it turns a synchronous throw (a validation
      // error) into a rejected promise, which is the contract of every *Async function here.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        // `never`: the "unknown value" message of an exhaustive check on input that the types
        // cannot vouch for (CLI arguments, JSON files), printed on purpose.
        { allowNumber: true, allowBoolean: true, allowNullish: true, allowNever: true },
      ],
    },
  },
  {
    // Plain JavaScript: Node.js scripts, CommonJS unless .mjs.
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...nodeGlobals, ...commonjsGlobals } },
    rules: {
      // CommonJS files load modules with require(); there is no import to use instead.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: nodeGlobals },
  },
  {
    files: ['test/**'],
    languageOptions: { globals: { ...nodeGlobals, ...jestGlobals } },
  },
  {
    // Tests read what the code under test wrote (JSON.parse of result files and CLI output) and
    // hand deliberately ill-typed values to the kernels and the raw addon (the bad-input cases): an
    // `any` there is the point, and typing every parsed file would only restate the assertions.
    // The rest of the type-aware set (floating promises, needless assertions, ...) stays on.
    files: ['test/**/*.ts', 'testing/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    rules: {
      // Unused names are errors, except the conventional `_`-prefixed ones (ignored parameters,
      // destructured-away fields); an unused caught error is written `catch {`.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      'no-unused-vars': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'prefer-const': 'error',
      'no-var': 'error',
    },
  },
);
