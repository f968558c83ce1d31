export * from './runtime';
export * from './agents';
