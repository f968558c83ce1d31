export * from './runtime';
export * from './agents';
export * from './foundation';
export * from './workflow';
