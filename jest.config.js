// One Jest run, two tiers: `unit` (pure, *.spec.ts) and `integration` (real Postgres/Redis/peers:
// *.int-spec.ts and *.e2e-spec.ts). `npm test` runs both; `npm run test:unit` only the first.
const { compilerOptions } = require('./tsconfig.base.json');

// A `*` in an alias (`@mockops/step-*` → `libs/steps/*/src/index.ts`) matches one path segment.
const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  moduleNameMapper[`^${alias.replace('/', '\\/').replace('*', '([^/]+)')}$`] = `<rootDir>/${target.replace(/^\.\//, '').replace('*', '$1')}`;
}

const tsTransform = [
  '@swc/jest',
  {
    swcrc: false,
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true, dynamicImport: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];
const jsTransform = [
  '@swc/jest',
  { swcrc: false, jsc: { target: 'es2022', parser: { syntax: 'ecmascript', dynamicImport: true } }, module: { type: 'commonjs' } },
];

// ESM-only packages (Octokit 22 and its dependencies; the Kubernetes schema models the manifest
// tests validate against) must be transformed to CommonJS for Jest.
const esmOnly = [
  '@octokit',
  'universal-user-agent',
  'before-after-hook',
  'fast-content-type-parse',
  'json-with-bigint',
  'toad-cache',
  'content-type',
  'kubernetes-models',
  '@kubernetes-models',
  'is-cidr',
  'cidr-regex',
];

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  moduleNameMapper,
  resolver: '<rootDir>/tools/jest/resolver.js',
  transform: { '^.+\\.ts$': tsTransform, '^.+\\.(m?js)$': jsTransform },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  // Anchored to the repo: CI may clone it under /tmp.
  testPathIgnorePatterns: ['<rootDir>/node_modules/', '<rootDir>/dist/', '<rootDir>/tmp/'],
};

module.exports = {
  // Integration specs boot services and load large documents (GitHub's 13 MB description).
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,tools}/**/*.int-spec.ts', '<rootDir>/{apps,libs,tools}/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/tools/jest/integration-setup.js',
    },
  ],
};
