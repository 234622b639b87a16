// The Kubernetes schema models (kubernetes-models, @kubernetes-models/*) export only an "import"
// condition, and Jest resolves with "require": resolve those with "import" (their ESM is transformed
// to CommonJS like the other ESM-only packages in jest.config.js). Everything else is unchanged.
const IMPORT_ONLY = /^(kubernetes-models|@kubernetes-models\/)/;

module.exports = (request, options) =>
  options.defaultResolver(request, IMPORT_ONLY.test(request) ? { ...options, conditions: ['import', 'default'] } : options);
