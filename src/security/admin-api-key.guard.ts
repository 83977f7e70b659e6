import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AppSecrets } from '../config/app-secrets.js';
import { APP_SECRETS } from '../config/config.tokens.js';

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

/** Admin routes need ADMIN_API_KEY in `X-API-Key` or `Authorization: Bearer`; without a configured key they are off. */
@Injectable()
export class AdminApiKeyGuard implements CanActivate {
  private readonly expectedDigest?: Buffer;

  constructor(@Inject(APP_SECRETS) secrets: AppSecrets) {
    if (secrets.adminApiKey) this.expectedDigest = digest(secrets.adminApiKey);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expectedDigest) throw new ForbiddenException('admin API disabled: no ADMIN_API_KEY configured');
    const key = presentedKey(context.switchToHttp().getRequest<FastifyRequest>());
    if (key === undefined) throw new UnauthorizedException('admin API key required (X-API-Key header)');
    if (!timingSafeEqual(digest(key), this.expectedDigest)) throw new UnauthorizedException('invalid admin API key');
    return true;
  }
}
