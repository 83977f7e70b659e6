import { type KeyObject, createHmac, createSecretKey } from 'node:crypto';

/**
 * The `spam.text_hmac` of a prediction event: HMAC-SHA256 of the trimmed text under LOG_HASH_KEY (a secret, Vault key
 * `log_hash_key`). An unkeyed hash of a short or guessable message (an OTP, "ok") is reversed by hashing candidates;
 * with a secret key only someone holding the key can link a report to a logged event. Without a key there is no
 * fingerprint at all. The KeyObject is rebuilt only when the key changes (rotation in Vault), not per message.
 */
export class TextFingerprint {
  private key?: string;
  private keyObject?: KeyObject;

  of(text: string, key: string | undefined): string | undefined {
    if (key === undefined) return undefined;
    if (key !== this.key || this.keyObject === undefined) {
      this.key = key;
      this.keyObject = createSecretKey(Buffer.from(key, 'utf8'));
    }
    return createHmac('sha256', this.keyObject).update(text, 'utf8').digest('hex');
  }
}
