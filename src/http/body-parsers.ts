import { BadRequestException } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export const MAX_BODY_BYTES = 1024 * 1024;
const MAX_JSON_DEPTH = 32;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Nesting depth of a JSON text, brackets inside strings ignored: checked before parsing so no recursion can blow up. */
function exceedsDepth(json: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const char = json.charCodeAt(i);
    if (inString) {
      if (char === 0x5c) i++;
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x7b || char === 0x5b) {
      if (++depth > limit) return true;
    } else if (char === 0x7d || char === 0x5d) depth--;
  }
  return false;
}

/**
 * JSON is the only body the API reads, so every other content type gets 415 (fastify would parse text/plain).
 * The JSON parser replaces fastify's: invalid UTF-8 is a 400 (the default would silently turn it into U+FFFD and
 * score garbage), nesting is bounded, and prototype-poisoning keys are refused as fastify's own parser does.
 */
export function registerBodyParsers(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES },
    (request: FastifyRequest, body: Buffer, done: (error: Error | null, value?: unknown) => void) => {
      let text: string;
      try {
        text = utf8.decode(body);
      } catch {
        done(new BadRequestException('request body is not valid UTF-8'));
        return;
      }
      if (exceedsDepth(text, MAX_JSON_DEPTH)) {
        done(new BadRequestException(`JSON nesting deeper than ${MAX_JSON_DEPTH} levels`));
        return;
      }
      void parseJson(request, text, done);
    },
  );
}
