import { MAX_BATCH_SIZE } from './dto/message-text.js';
import { messageCount } from './message-count.js';

describe('messageCount (what one prediction request costs against RATE_LIMIT_PER_MINUTE)', () => {
  it.each([
    ['a single prediction', { text: 'hi' }, 1],
    ['a batch', { texts: ['a', 'b', 'c'] }, 3],
    ['MLflow inputs', { inputs: ['a', 'b'] }, 2],
    ['MLflow instances', { instances: [{ text: 'a' }] }, 1],
    ['MLflow dataframe_records', { dataframe_records: [{ text: 'a' }, { text: 'b' }] }, 2],
    ['MLflow dataframe_split', { dataframe_split: { columns: ['text'], data: [['a'], ['b'], ['c'], ['d']] } }, 4],
    ['an empty batch (refused later, still one request)', { texts: [] }, 1],
    ['not an object', 'text', 1],
  ])('%s', (_name, body, expected) => {
    expect(messageCount(body)).toBe(expected);
  });

  it('caps an oversized list at MAX_BATCH_SIZE (validation refuses it; the count must not loop over it)', () => {
    expect(messageCount({ texts: new Array(1_000_000).fill('x') })).toBe(MAX_BATCH_SIZE);
  });
});
