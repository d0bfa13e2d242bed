export * from './accessors.js';
export * from './origins.js';
export * from './schema.js';
export * from './text-guard.js';
