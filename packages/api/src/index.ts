/**
 * The one wire contract between the Hotstepper backend and its frontends.
 * Every route's request and response is a schema here; fastify validates
 * against them and publishes them as OpenAPI, the frontend imports the types.
 */
export * from './common';
export * from './usage';
export * from './jobs';
export * from './flare';
export * from './activity';
export * from './storage';
export * from './apps';
export * from './ssh';
export * from './course';
export type * from './events';
export * from './constants';
export { literals } from './literals';
