import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { SecretsService } from '../config/secrets.service.js';

/** Hashing first gives equal-length buffers, so the comparison time says nothing about the key's length or prefix. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string') return header;
  const authorization = request.headers.authorization;
  return authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined;
}

/**
 * Admin routes need ADMIN_API_KEY in `X-API-Key` or `Authorization: Bearer`; without a configured key they are off.
 * The key is read per request because Vault secrets can arrive after start-up; until they do the answer is 503
 * (try again later), not 403 (turned off).
 */
@Injectable()
export class AdminApiKeyGuard implements CanActivate {
  constructor(private readonly secrets: SecretsService) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.secrets.status().state === 'unavailable') {
      throw new ServiceUnavailableException('admin API unavailable: secrets not loaded from Vault');
    }
    const expected = this.secrets.current().adminApiKey;
    if (!expected) throw new ForbiddenException('admin API disabled: no ADMIN_API_KEY configured');
    const key = presentedKey(context.switchToHttp().getRequest<FastifyRequest>());
    if (key === undefined) throw new UnauthorizedException('admin API key required (X-API-Key header)');
    if (!timingSafeEqual(digest(key), digest(expected))) throw new UnauthorizedException('invalid admin API key');
    return true;
  }
}
