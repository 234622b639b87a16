// swagger-parser's validators are CommonJS files without type declarations.
declare module '@apidevtools/swagger-parser/lib/validators/schema' {
  const validateSchema: (api: object) => void;
  export = validateSchema;
}
declare module '@apidevtools/swagger-parser/lib/validators/spec' {
  const validateSpec: (api: object) => void;
  export = validateSpec;
}
