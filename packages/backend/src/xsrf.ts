import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HttpError } from './errors';

const MUTATIONS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The value of one cookie from a Cookie header, as sent: JupyterLab's
 * ServerConnection copies the raw `_xsrf` text into the header.
 */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      return part.slice(eq + 1).trim();
    }
  }
  return undefined;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * jupyter-server-proxy authenticates but defers XSRF to the proxied app, so
 * every mutation must carry an `X-XSRFToken` header equal to the `_xsrf`
 * cookie (what JupyterLab's ServerConnection sends). A cross-site form can
 * make the browser send the cookie but cannot read it to set the header.
 */
export async function xsrfGuard(request: FastifyRequest): Promise<void> {
  if (!MUTATIONS.has(request.method)) {
    return;
  }
  const header = request.headers['x-xsrftoken'];
  const cookie = cookieValue(request.headers.cookie, '_xsrf');
  if (typeof header !== 'string' || !header || !cookie || !same(header, cookie)) {
    throw new HttpError(
      403,
      "XSRF check failed: send the '_xsrf' cookie's value in an 'X-XSRFToken' header (JupyterLab's ServerConnection does this)"
    );
  }
}
