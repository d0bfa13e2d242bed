import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The layers, enforced: each zone forbids `target` to import from `from` (paths from the repo root).
 * ARCHITECTURE.md says why each rule is there.
 */
const LAYER_ZONES = [
  { target: 'shared', from: ['server', 'client'], message: 'shared/ is what server and client both speak: it imports neither.' },
  { target: 'client', from: 'server', message: 'The client reaches the server only over HTTP and WebSockets; shared types live in @tandem/shared.' },
  { target: 'server', from: 'client', message: 'The server never imports the client; shared types live in @tandem/shared.' },
  {
    target: 'server/src/sandbox/provider.ts',
    from: ['server/src/sandbox/local', 'server/src/sandbox/e2b', 'server/src/network'],
    // The network's words (policy and attempt types), not its proxy.
    except: ['./policy-types.ts'],
    message: 'The SandboxProvider seam names no implementation: local and e2b implement it, not the other way round.',
  },
  { target: 'client/src/ui', from: 'client/src/features', message: 'ui/ holds the building blocks features are made of: it imports no feature.' },
  {
    target: 'server/src',
    from: 'server/src/routes',
    message: 'Routes are the HTTP edge: services and domain code never import them (app.ts mounts them).',
  },
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test-results/', 'playwright-report/', 'server/src/db/migrations/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-empty-pattern': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['{shared,server,client}/**/*.{ts,tsx}'],
    plugins: { 'import-x': importX },
    settings: {
      // TypeScript sources are modules to follow (the plugin's defaults follow only .js).
      'import-x/extensions': importX.flatConfigs.typescript.settings['import-x/extensions'],
      'import-x/parsers': importX.flatConfigs.typescript.settings['import-x/parsers'],
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: ['shared/tsconfig.json', 'server/tsconfig.json', 'client/tsconfig.json', 'tsconfig.json'], noWarnOnMultipleProjects: true })],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: LAYER_ZONES }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  // app.ts and server.ts compose the app: they mount the routes.
  {
    files: ['server/src/app.ts', 'server/src/server.ts', 'server/src/routes/**', 'server/src/**/*.test.ts'],
    rules: { 'import-x/no-restricted-paths': ['error', { zones: LAYER_ZONES.filter((zone) => zone.from !== 'server/src/routes') }] },
  },
);
