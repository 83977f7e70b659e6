/** One hostile or malformed request: every one must get a 4xx with a JSON body that says what is wrong. */
export interface BadInputCase {
  name: string;
  method?: string;
  path?: string;
  contentType?: string | null;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** When one specific status is the right answer. */
  status?: number;
}

export const PREDICT = '/api/v1/predict';
const BATCH = '/api/v1/predict/batch';
const INVOCATIONS = '/invocations';
const json = (value: unknown): string => JSON.stringify(value);

export const BAD_INPUT_CORPUS: BadInputCase[] = [
  { name: 'text is a number', body: json({ text: 42 }), status: 400 },
  { name: 'text is null', body: json({ text: null }), status: 400 },
  { name: 'text is an array', body: json({ text: ['free', 'prize'] }), status: 400 },
  { name: 'text is an object', body: json({ text: { value: 'win' } }), status: 400 },
  { name: 'text is a boolean', body: json({ text: true }), status: 400 },
  { name: 'text is missing', body: json({}), status: 400 },
  { name: 'text is empty', body: json({ text: '' }), status: 400 },
  { name: 'text is only whitespace', body: json({ text: ' \n\t  ' }), status: 400 },
  { name: 'text has 5,001 characters', body: json({ text: 'a'.repeat(5001) }), status: 400 },
  { name: 'text is a huge string under the body limit', body: json({ text: 'spam '.repeat(180_000) }), status: 400 },
  { name: 'body over 1 MB', body: json({ text: 'x'.repeat(1_100_000) }), status: 413 },
  { name: 'unknown field next to text', body: json({ text: 'hello', admin: true }), status: 400 },
  { name: 'body is JSON null', body: 'null', status: 400 },
  { name: 'body is a JSON array', body: json([{ text: 'hello' }]), status: 400 },
  { name: 'body is a JSON string', body: json('hello'), status: 400 },
  { name: 'body is a JSON number', body: '12345', status: 400 },
  { name: 'malformed JSON', body: '{"text": "unterminated', status: 400 },
  { name: 'trailing garbage after JSON', body: '{"text": "hi"} {"x"', status: 400 },
  { name: 'invalid UTF-8 bytes', body: Buffer.concat([Buffer.from('{"text": "caf'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]), status: 400 },
  { name: 'deeply nested arrays', body: `${'['.repeat(100_000)}${']'.repeat(100_000)}`, status: 400 },
  { name: 'deeply nested text value', body: `{"text": ${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`, status: 400 },
  { name: 'prototype poisoning key', body: '{"text": "hi", "__proto__": {"polluted": true}}', status: 400 },
  { name: 'constructor prototype poisoning', body: '{"text": "hi", "constructor": {"prototype": {"polluted": true}}}', status: 400 },
  { name: 'form-encoded body', contentType: 'application/x-www-form-urlencoded', body: 'text=free+prize', status: 415 },
  { name: 'plain text body', contentType: 'text/plain', body: 'free prize', status: 415 },
  { name: 'multipart body', contentType: 'multipart/form-data; boundary=x', body: '--x\r\nContent-Disposition: form-data; name="text"\r\n\r\nhi\r\n--x--', status: 415 },
  { name: 'JSON without a content type', contentType: null, body: Buffer.from(json({ text: 'hello' })) },
  { name: 'empty JSON body', body: '', status: 400 },
  { name: 'batch: texts missing', path: BATCH, body: json({ text: 'hello' }), status: 400 },
  { name: 'batch: texts empty', path: BATCH, body: json({ texts: [] }), status: 400 },
  { name: 'batch: 101 texts', path: BATCH, body: json({ texts: Array.from({ length: 101 }, (_, i) => `message ${i}`) }), status: 400 },
  { name: 'batch: a number among texts', path: BATCH, body: json({ texts: ['hello', 7] }), status: 400 },
  { name: 'batch: a null among texts', path: BATCH, body: json({ texts: ['hello', null] }), status: 400 },
  { name: 'batch: texts is a string', path: BATCH, body: json({ texts: 'hello' }), status: 400 },
  { name: 'batch: an empty text', path: BATCH, body: json({ texts: ['hello', '   '] }), status: 400 },
  { name: 'batch: an oversize text', path: BATCH, body: json({ texts: ['hello', 'b'.repeat(5001)] }), status: 400 },
  { name: 'batch: unknown field', path: BATCH, body: json({ texts: ['hello'], limit: 5 }), status: 400 },
  { name: 'invocations: empty object', path: INVOCATIONS, body: json({}), status: 400 },
  { name: 'invocations: two shapes at once', path: INVOCATIONS, body: json({ inputs: ['a'], instances: ['b'] }), status: 400 },
  { name: 'invocations: unknown shape', path: INVOCATIONS, body: json({ data: ['a'] }), status: 400 },
  { name: 'invocations: no text column', path: INVOCATIONS, body: json({ dataframe_split: { columns: ['body'], data: [['a']] } }), status: 400 },
  { name: 'invocations: ragged rows', path: INVOCATIONS, body: json({ dataframe_split: { columns: ['text', 'id'], data: [['a']] } }), status: 400 },
  { name: 'invocations: number input', path: INVOCATIONS, body: json({ inputs: [1, 2] }), status: 400 },
  { name: 'invocations: 101 inputs', path: INVOCATIONS, body: json({ inputs: Array.from({ length: 101 }, () => 'x') }), status: 400 },
  { name: 'invocations: records without text', path: INVOCATIONS, body: json({ dataframe_records: [{ body: 'a' }] }), status: 400 },
  { name: 'GET on the predict route', method: 'GET', body: undefined, contentType: null, status: 404 },
  { name: 'PUT on the predict route', method: 'PUT', body: json({ text: 'hello' }), status: 404 },
  { name: 'unknown API route', path: '/api/v1/nothing-here', body: json({ text: 'hello' }), status: 404 },
  { name: 'model reload without an API key', path: '/api/v1/model/reload', body: json({}), status: 401 },
  { name: 'model reload with a wrong API key', path: '/api/v1/model/reload', body: json({}), headers: { 'x-api-key': 'wrong-key' }, status: 401 },
  { name: 'path traversal on the static UI', method: 'GET', path: '/..%2f..%2fpackage.json', body: undefined, contentType: null, status: 404 },
];
