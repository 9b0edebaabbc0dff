export * from './places/index.js';
