export * from './problem.ts';
export * from './positioned-yaml.ts';
export * from './load-content.ts';
