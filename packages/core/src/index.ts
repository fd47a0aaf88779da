export * from './format';
export * from './request';
export * from './sse';
