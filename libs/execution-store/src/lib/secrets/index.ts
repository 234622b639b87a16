export * from './secret-cipher';
export * from './secret.store';
