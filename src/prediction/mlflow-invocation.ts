import { BadRequestException } from '@nestjs/common';
import { MAX_BATCH_SIZE, MAX_TEXT_LENGTH } from './dto/message-text.js';

const TEXT_COLUMN = 'text';

/**
 * Reads the texts out of an MLflow scoring-protocol body (`inputs`, `instances`, `dataframe_split`,
 * `dataframe_records`) with the same limits as /api/v1/predict/batch. Hand-written: the shapes are a union that
 * class-validator cannot express.
 */
export function textsFromInvocation(body: unknown): string[] {
  if (!isRecord(body)) {
    throw new BadRequestException('body must be a JSON object with one of: inputs, instances, dataframe_split, dataframe_records');
  }
  const fields = Object.keys(body);
  if (fields.length !== 1) {
    throw new BadRequestException(`body must have exactly one of inputs, instances, dataframe_split, dataframe_records; got ${fields.join(', ') || 'none'}`);
  }
  const [field] = fields;
  switch (field) {
    case 'inputs':
    case 'instances':
      return checkTexts(textsFromRows(body[field], field), field);
    case 'dataframe_records':
      return checkTexts(textsFromRecords(body[field]), field);
    case 'dataframe_split':
      return checkTexts(textsFromSplit(body[field]), field);
    default:
      throw new BadRequestException(`unknown field "${field}": expected inputs, instances, dataframe_split or dataframe_records`);
  }
}

function textsFromRows(rows: unknown, field: string): unknown[] {
  if (typeof rows === 'string') return [rows];
  if (!Array.isArray(rows)) throw new BadRequestException(`${field} must be a list of strings`);
  return rows.map((row: unknown) => (isRecord(row) && TEXT_COLUMN in row ? row[TEXT_COLUMN] : row));
}

function textsFromRecords(records: unknown): unknown[] {
  if (!Array.isArray(records) || !records.every((row) => isRecord(row) && TEXT_COLUMN in row)) {
    throw new BadRequestException('dataframe_records must be a list of objects with a "text" field');
  }
  return records.map((row: Record<string, unknown>) => row[TEXT_COLUMN]);
}

function textsFromSplit(split: unknown): unknown[] {
  if (!isRecord(split) || !Array.isArray(split.columns) || !Array.isArray(split.data)) {
    throw new BadRequestException('dataframe_split must be an object with "columns" and "data" lists');
  }
  const columns: unknown[] = split.columns;
  const column = columns.indexOf(TEXT_COLUMN);
  if (column < 0) throw new BadRequestException('dataframe_split.columns must contain "text"');
  return split.data.map((row: unknown) => {
    if (!Array.isArray(row) || row.length !== columns.length) {
      throw new BadRequestException('every dataframe_split.data row must be a list as long as columns');
    }
    return row[column] as unknown;
  });
}

function checkTexts(values: unknown[], field: string): string[] {
  if (values.length < 1 || values.length > MAX_BATCH_SIZE) {
    throw new BadRequestException(`${field} must hold 1 to ${MAX_BATCH_SIZE} messages`);
  }
  return values.map((value, index) => {
    if (typeof value !== 'string') throw new BadRequestException(`${field}[${index}] must be a string`);
    const text = value.trim();
    if (text.length < 1 || text.length > MAX_TEXT_LENGTH) {
      throw new BadRequestException(`${field}[${index}] must be 1 to ${MAX_TEXT_LENGTH} characters after trimming`);
    }
    return text;
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
