import { Transform } from 'class-transformer';

export const MAX_TEXT_LENGTH = 5_000;
export const MAX_BATCH_SIZE = 100;
/**
 * The characters one request may ask to score, all messages together (docs/api.md "Input limits"): 20 messages of
 * the maximum length, or a batch of 100 ordinary ones. Beyond it: 413. Bounds the CPU one request can cost.
 */
export const MAX_REQUEST_CHARACTERS = 100_000;

/** Surrounding whitespace carries no signal; the 1..5,000 character limits apply to the trimmed text. */
export const TrimStrings = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => {
    if (typeof value === 'string') return value.trim();
    if (Array.isArray(value)) return value.map((item: unknown) => (typeof item === 'string' ? item.trim() : item));
    return value;
  });
