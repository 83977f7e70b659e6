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
