import { Injectable } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerRequest } from '@nestjs/throttler';
import { MAX_BATCH_SIZE } from './dto/message-text.js';

const MESSAGE_LISTS = ['texts', 'inputs', 'instances', 'dataframe_records'] as const;

/**
 * How many messages a prediction body asks to score, read before validation (guards run before pipes). Capped at
 * MAX_BATCH_SIZE: a longer list is refused by validation anyway and must not cost a loop of its length here.
 */
export function messageCount(body: unknown): number {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 1;
  const record = body as Record<string, unknown>;
  let rows: unknown = undefined;
  for (const field of MESSAGE_LISTS) if (Array.isArray(record[field])) rows = record[field];
  const split = record.dataframe_split;
  if (typeof split === 'object' && split !== null && Array.isArray((split as { data?: unknown }).data)) {
    rows = (split as { data: unknown[] }).data;
  }
  return Array.isArray(rows) ? Math.min(Math.max(rows.length, 1), MAX_BATCH_SIZE) : 1;
}

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
