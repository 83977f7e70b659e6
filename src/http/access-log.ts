import type { FastifyInstance } from 'fastify';
import type { AppLogger } from '../logging/app-logger.js';
import type { MetricsService } from '../metrics/metrics.service.js';

const UNMATCHED_ROUTE = 'unmatched';

/**
 * One ECS access event and one duration observation per response, from fastify's onResponse hook (cheaper than a
 * Nest interceptor and it also sees requests that never reach a controller: 404, 413, 415, malformed JSON).
 */
export function registerAccessLog(fastify: FastifyInstance, logger: AppLogger, metrics: MetricsService): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    // The route template, never the raw URL: label values must stay few.
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const status = reply.statusCode;
    const elapsedMs = reply.elapsedTime;
    metrics.observeHttpRequest(request.method, route, status, elapsedMs / 1000);
    const path = request.url.split('?', 1)[0];
    const fields = {
      event: { action: 'http-request', kind: 'event', category: ['web'], duration: Math.round(elapsedMs * 1e6) },
      http: { request: { method: request.method }, response: { status_code: status } },
      url: { path },
      client: { ip: request.ip },
      user_agent: { original: request.headers['user-agent'] },
    };
    const message = `${request.method} ${path} ${status}`;
    if (status >= 500) logger.error(message, fields);
    else logger.info(message, fields);
    done();
  });
}
