export * from './common.ts';
export * from './release.ts';
export * from './parameter.ts';
export * from './protocol.ts';
export * from './cipher-grade.ts';
export * from './security-level.ts';
export * from './recipe.ts';
export * from './log-pattern.ts';
