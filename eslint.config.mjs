// ESLint flat config: typescript-eslint's type-aware recommended rules; Prettier owns formatting.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules', '.local', '.esbuild', '.serverless', 'coverage', 'bench/results.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // Port implementations are async by contract even when an in-memory one has nothing to await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Domain code stays free of AWS SDK imports (ports and adapters).
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@aws-sdk/*', '@middy/*', '@aws-lambda-powertools/*'] }],
    },
  },
  {
    // Small files and functions outside the tests (issue 9): a reader sees one thing at a time.
    files: ['**/*.ts'],
    // Generated files (openapi/client.d.ts) are exempt: their size follows the document.
    ignores: ['test/**', 'openapi/client.d.ts'],
    rules: {
      'max-lines': ['error', { max: 300, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // The light request path: what handlers/complete-order.ts loads at cold start must not build the full order
    // schema (domain/order.ts, ~15 ms), the OpenAPI document or its generator. Type-only imports cost nothing.
    files: [
      'handlers/complete-order.ts',
      'handlers/http/**/*.ts',
      'domain/**/*.ts',
      'adapters/**/*.ts',
      'config/**/*.ts',
    ],
    // domain/order.ts (the full order schema) and error-bodies.ts (the error schemas, for the OpenAPI document) are
    // never loaded by the request path at run time; the rules above keep it so.
    ignores: ['domain/order.ts', 'adapters/dynamodb/seeder.ts', 'handlers/http/error-bodies.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)domain/order$|^\\./order$',
              allowTypeImports: true,
              message: 'The request path imports ./order-fields; domain/order.ts builds the full schema (cold start).',
            },
            {
              regex: '^zod$|^zod/v4$',
              allowTypeImports: true,
              message: "The request path builds its schemas with zod/mini: import * as z from 'domain/zod-mini'.",
            },
            {
              regex: '^zod/(v4/)?mini$',
              allowTypeImports: true,
              message: "Import * as z from 'domain/zod-mini', which sets zod/mini's English messages first.",
            },
            {
              regex: '(^|/)http/error-bodies$|^\\./error-bodies$',
              allowTypeImports: true,
              message:
                'error-bodies.ts builds its schemas with classic zod for the OpenAPI document: import its types only.',
            },
            {
              regex: '(^|/)openapi(/|$)|^zod-openapi$|^@seriousme/',
              message: 'OpenAPI code is for scripts/ and the openapi/ build, never the request path.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // serverless loads its plugins, esbuild plugins and variable files (infra/*.cjs) as CommonJS.
    files: ['infra/**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
