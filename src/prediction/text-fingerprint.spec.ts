import { createHash, createHmac } from 'node:crypto';
import { TextFingerprint } from './text-fingerprint.js';

describe('TextFingerprint', () => {
  it('is the HMAC-SHA256 of the text under the key, never the plain hash', () => {
    const fingerprint = new TextFingerprint();
    const value = fingerprint.of('123456', 'a-log-hash-key');
    expect(value).toBe(createHmac('sha256', 'a-log-hash-key').update('123456').digest('hex'));
    expect(value).not.toBe(createHash('sha256').update('123456').digest('hex'));
  });

  it('follows a rotated key and gives nothing without one', () => {
    const fingerprint = new TextFingerprint();
    const before = fingerprint.of('ok', 'first-key');
    expect(fingerprint.of('ok', 'second-key')).not.toBe(before);
    expect(fingerprint.of('ok', undefined)).toBeUndefined();
  });
});
