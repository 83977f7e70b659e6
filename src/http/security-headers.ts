import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

type HeaderCall = { set: [string, string | number | readonly string[]] } | { remove: string };

/**
 * What helmet does to a response with this configuration (CSP: same origin only, nosniff, HSTS, frame and referrer
 * policies...). Its answer does not depend on the request, so helmet runs once, here, against a recording response.
 */
export function securityHeaderCalls(): HeaderCall[] {
  const applyHeaders = helmet({
    contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"] } },
  });
  const calls: HeaderCall[] = [];
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => calls.push({ set: [name, value] }),
    removeHeader: (name: string) => calls.push({ remove: name }),
  };
  let finished = false as boolean;
  applyHeaders({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error !== undefined) throw error instanceof Error ? error : new Error('helmet failed');
    finished = true;
  });
  // A helmet that answered later, or per request, could not be replayed: fail at start-up, not with missing headers.
  if (!finished) throw new Error('helmet did not answer synchronously: its headers cannot be computed once');
  return calls;
}

/**
 * helmet's security headers on every response, replayed from securityHeaderCalls(): the same headers without
 * helmet's chain of middleware calls per request. (@fastify/helmet rebuilds the middleware, CSP parsing included, on
 * every request: ~250 µs of CPU per prediction on this machine, docs/benchmark.md.) They go into fastify's own header
 * map, which fastify hands to Node's writeHead in one go with its content type and length: set one by one on the raw
 * response instead, each was an entry Node allocated per response (6 % of the bytes a prediction allocated).
 */
export function registerSecurityHeaders(fastify: FastifyInstance): void {
  // helmet's removals (X-Powered-By) are of headers neither fastify nor Nest sets: at onRequest nothing is there yet
  // to remove, so only the headers it sets are replayed (the spec compares every answer with per-request helmet).
  const headers: Record<string, string | number | string[]> = {};
  for (const call of securityHeaderCalls()) {
    // Lowercase once, as fastify stores them.
    if ('set' in call) headers[call.set[0].toLowerCase()] = typeof call.set[1] === 'object' ? [...call.set[1]] : call.set[1];
  }
  fastify.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}
