export * from './lib/http-request.handler';
export * from './lib/http-request-config';
