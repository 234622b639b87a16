// swagger2openapi ships no type declarations; the one function the test server uses.
declare module 'swagger2openapi' {
  export function convertObj(swagger: object, options: { patch?: boolean; warnOnly?: boolean; resolve?: boolean; direct?: boolean }): Promise<{ openapi: Record<string, unknown> }>;
}
