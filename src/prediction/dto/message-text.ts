import { Transform } from 'class-transformer';

export const MAX_TEXT_LENGTH = 5_000;
export const MAX_BATCH_SIZE = 100;

/** Surrounding whitespace carries no signal; the 1..5,000 character limits apply to the trimmed text. */
export const TrimStrings = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => {
    if (typeof value === 'string') return value.trim();
    if (Array.isArray(value)) return value.map((item: unknown) => (typeof item === 'string' ? item.trim() : item));
    return value;
  });
