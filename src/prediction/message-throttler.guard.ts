import { Injectable } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerRequest } from '@nestjs/throttler';
import { messageCount } from './message-count.js';

/**
 * RATE_LIMIT_PER_MINUTE counts messages, not requests (docs/api.md "Rate limit"): a batch of 100 costs 100, so
 * batching cannot multiply the scoring work a client may ask for. All prediction routes share one count per client
 * IP. The first n-1 hits are taken here; the last goes through ThrottlerGuard's own path (headers, 429).
 */
@Injectable()
export class MessageThrottlerGuard extends ThrottlerGuard {
  protected override async handleRequest(requestProps: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, throttler, blockDuration, getTracker, generateKey } = requestProps;
    const { req } = this.getRequestResponse(context);
    const extraHits = messageCount((req as { body?: unknown }).body) - 1;
    if (extraHits > 0) {
      const key = generateKey(context, await getTracker(req, context), throttler.name ?? 'default');
      for (let hit = 0; hit < extraHits; hit++) {
        const { isBlocked } = await this.storageService.increment(key, ttl, limit, blockDuration, throttler.name ?? 'default');
        if (isBlocked) break;
      }
    }
    return super.handleRequest(requestProps);
  }

  /** One key per client for every prediction route (the default key is per controller method). */
  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `predictions-${throttlerName}-${tracker}`;
  }
}
