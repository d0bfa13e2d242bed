export * from './accessors.js';
export * from './origins.js';
export * from './schema.js';
