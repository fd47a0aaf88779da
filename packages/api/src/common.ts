import { Type, type Static } from '@sinclair/typebox';
import { literals } from './literals';

/** The body of every 4xx/5xx answer: fastify's own error shape. */
export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String(),
    message: Type.String({ description: 'What went wrong, for a person to act on' })
  },
  { $id: 'ErrorResponse' }
);
export type ErrorResponse = Static<typeof ErrorResponse>;

export const PlatformName = literals('local', 'kubernetes');
export type PlatformName = Static<typeof PlatformName>;

/** `GET /` — the readiness probe jupyter-server-proxy waits for. */
export const Ready = Type.Object({
  name: Type.Literal('hotstepper'),
  version: Type.String(),
  platform: PlatformName
});
export type Ready = Static<typeof Ready>;
