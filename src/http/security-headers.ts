import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

type HeaderValue = string | number | string[];

/**
 * The headers helmet sets on a response with this configuration (CSP: same origin only, nosniff, HSTS, frame and
 * referrer policies...), by lowercase name as fastify stores them. Its answer does not depend on the request, so
 * helmet runs once, here, against a recording response. Its removals (X-Powered-By) are not recorded: they are of
 * headers neither fastify nor Nest sets, and before a response is built there is nothing to remove.
 */
export function securityHeaders(): Record<string, HeaderValue> {
  const applyHeaders = helmet({
    contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"] } },
  });
  const headers: Record<string, HeaderValue> = {};
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = typeof value === 'object' ? [...value] : value;
    },
    removeHeader: () => undefined,
  };
  let finished = false as boolean;
  applyHeaders({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error !== undefined) throw error instanceof Error ? error : new Error('helmet failed');
    finished = true;
  });
  // A helmet that answered later, or per request, could not be replayed: fail at start-up, not with missing headers.
  if (!finished) throw new Error('helmet did not answer synchronously: its headers cannot be computed once');
  return headers;
}

/**
 * helmet's security headers on every response, replayed from securityHeaders(): the same headers without helmet's
 * chain of middleware calls per request. (@fastify/helmet rebuilds the middleware, CSP parsing included, on every
 * request: ~250 µs of CPU per prediction on this machine, docs/benchmark.md.) They go into fastify's own header map,
 * which fastify hands to Node's writeHead in one go with its content type and length: set one by one on the raw
 * response instead, each was an entry Node allocated per response (6 % of the bytes a prediction allocated).
 */
export function registerSecurityHeaders(fastify: FastifyInstance): void {
  const headers = securityHeaders();
  fastify.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}
