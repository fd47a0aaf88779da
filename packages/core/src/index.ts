export * from './components';
export * from './follow';
export * from './format';
export * from './panel';
export * from './polls';
export * from './request';
export * from './settings';
export * from './sse';
