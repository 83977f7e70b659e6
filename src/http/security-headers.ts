import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/**
 * helmet's security headers (CSP: same origin only, nosniff, HSTS, frame and referrer policies...) on every response.
 * The middleware is built once here: @fastify/helmet rebuilds it, CSP parsing included, on every request, which
 * measured ~250 µs of CPU per prediction on this machine (docs/benchmark.md).
 */
export function registerSecurityHeaders(fastify: FastifyInstance): void {
  const applyHeaders = helmet({
    contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"] } },
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    applyHeaders(request.raw, reply.raw, (error?: unknown) => {
      done(error instanceof Error ? error : undefined);
    });
  });
}
