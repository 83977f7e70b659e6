import Fastify, { type FastifyInstance } from 'fastify';
import helmet from 'helmet';
import { registerSecurityHeaders } from './security-headers.js';

/** helmet applied per request, as the service did before the headers were computed once. */
function perRequestHelmet(fastify: FastifyInstance): void {
  const applyHeaders = helmet({
    contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"] } },
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    applyHeaders(request.raw, reply.raw, () => {
      done();
    });
  });
}

async function headersOf(register: (fastify: FastifyInstance) => void, url: string): Promise<Record<string, unknown>> {
  const fastify = Fastify();
  register(fastify);
  fastify.get('/page', () => ({ ok: true }));
  fastify.get('/failing', () => {
    throw new Error('handler failed');
  });
  fastify.post('/page', () => ({ ok: true }));
  // A real socket: fastify's inject needs an ESM-only package jest cannot load here.
  const base = await fastify.listen({ port: 0, host: '127.0.0.1' });
  try {
    // `POST text/xml`: no parser for that type, so fastify answers 415 before any handler.
    const response = url === '/unparsed' ? await fetch(`${base}/page`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: '<a/>' }) : await fetch(`${base}${url}`);
    // The one header that differs between two responses.
    return Object.fromEntries([...response.headers].filter(([name]) => name !== 'date'));
  } finally {
    await fastify.close();
  }
}

describe('registerSecurityHeaders (helmet run once, replayed per response)', () => {
  it.each(['/page', '/missing', '/failing', '/unparsed'])('sends exactly the headers helmet sends for %s', async (url) => {
    const replayed = await headersOf(registerSecurityHeaders, url);
    expect(replayed).toEqual(await headersOf(perRequestHelmet, url));
    expect(replayed['content-security-policy']).toContain("default-src 'self'");
    expect(replayed['strict-transport-security']).toBeDefined();
  });
});
