import nx from '@nx/eslint-plugin';
import jsxA11y from 'eslint-plugin-jsx-a11y';
import reactHooks from 'eslint-plugin-react-hooks';

// Banned in the pure model: anything that does I/O or ties it to a framework.
const impure = ['@nestjs/*', 'ioredis', 'bullmq', 'typeorm', 'pg', 'pg-*', '@electric-sql/*', 'nodemailer', '@octokit/*', 'express'];

// The layers, bottom to top (ARCHITECTURE.md "Layers"): each library scope and the scopes it may import.
// Step libs sit below the runtime and the gateway: they get ports and typed deps, never Infrastructure.
// Telemetry (metrics, trace context, logs) sits just above the pure core so that the libraries where
// things happen can count them; the step path's worker base reports through its StepObserver port.
const LAYERS = {
  'scope:core': [],
  'scope:telemetry': ['scope:core'],
  'scope:sdk': [],
  'scope:egress': ['scope:telemetry'],
  'scope:config': ['scope:core', 'scope:egress'],
  'scope:stream': ['scope:core', 'scope:telemetry'],
  'scope:store': ['scope:core', 'scope:telemetry'],
  'scope:worker-kit': ['scope:core', 'scope:egress', 'scope:stream'],
  'scope:matcher': ['scope:core', 'scope:stream', 'scope:telemetry'],
  'scope:steps': ['scope:core', 'scope:worker-kit', 'scope:egress', 'scope:stream', 'scope:sdk'],
  'scope:gateway': ['scope:core', 'scope:telemetry', 'scope:config', 'scope:egress', 'scope:stream', 'scope:store', 'scope:steps'],
  'scope:runtime': ['scope:core', 'scope:telemetry', 'scope:sdk', 'scope:egress', 'scope:config', 'scope:stream', 'scope:store', 'scope:worker-kit', 'scope:matcher', 'scope:steps', 'scope:gateway'],
};
const layerConstraints = Object.entries(LAYERS).map(([sourceTag, below]) => ({ sourceTag, onlyDependOnLibsWithTags: below }));

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '**/tmp', '**/fixtures/**', '**/__generated__/**', '.nx/**'] },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'scope:core', onlyDependOnLibsWithTags: ['scope:core'], bannedExternalImports: impure },
            ...layerConstraints,
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:test-util', onlyDependOnLibsWithTags: ['type:lib', 'type:test-util'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:test-util'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // Integration specs of libraries may use the shared test peers; production code may not.
    files: ['**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/*.spec.ts', '**/src/test/**/*.ts', '**/e2e/**/*.ts', '**/src/lib/testing/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'scope:core', onlyDependOnLibsWithTags: ['scope:core'], bannedExternalImports: impure },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', 'type:test-util'] },
            { sourceTag: 'type:test-util', onlyDependOnLibsWithTags: ['type:lib', 'type:test-util'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:test-util'] },
          ],
        },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // The web app: hooks rules and accessibility checks (keyboard use, labels, roles).
    files: ['apps/web/**/*.tsx'],
    ...reactHooks.configs.flat.recommended,
    ...jsxA11y.flatConfigs.recommended,
    plugins: { ...reactHooks.configs.flat.recommended.plugins, ...jsxA11y.flatConfigs.recommended.plugins },
    rules: {
      ...reactHooks.configs.flat.recommended.rules,
      ...jsxA11y.flatConfigs.recommended.rules,
      // Scrollable code blocks and diffs take focus so that keyboard users can scroll them.
      'jsx-a11y/no-noninteractive-tabindex': ['error', { tags: ['pre'], roles: ['table'] }],
    },
  },
];
