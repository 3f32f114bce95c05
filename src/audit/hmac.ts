import { createHmac, timingSafeEqual } from 'node:crypto';

/** Environment variable holding the audit HMAC key (any string of at least 32 characters). */
export const AUDIT_HMAC_ENV = 'DESKBRIDGE_AUDIT_HMAC_KEY';
const MIN_KEY_LENGTH = 32;

/**
 * Signs entry hashes so that rewriting logs *and* the heads in the state file together is still
 * detectable by whoever holds the key. The key lives only in a closure: this object has no
 * enumerable fields, so logging or serialising it cannot leak the key.
 */
export interface AuditKey {
  /** `hex(HMAC-SHA256(key, hash))`. */
  sign(hash: string): string;
  /** Constant-time comparison of `mac` with the expected one. */
  verify(hash: string, mac: string): boolean;
}

export function createAuditKey(secret: string): AuditKey {
  if (secret.length < MIN_KEY_LENGTH) {
    // Never echo the value: say how long it is and what is needed.
    throw new Error(`${AUDIT_HMAC_ENV} is too short (${secret.length} characters): use at least ${MIN_KEY_LENGTH} random characters, e.g. the output of "openssl rand -hex 32"`);
  }
  const key = Buffer.from(secret, 'utf8');
  const sign = (hash: string): string => createHmac('sha256', key).update(hash, 'utf8').digest('hex');
  const api: AuditKey = {
    sign,
    verify(hash, mac) {
      const expected = Buffer.from(sign(hash), 'hex');
      const given = Buffer.from(mac, 'hex');
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
  Object.defineProperty(api, 'toJSON', { value: () => '[audit HMAC key]' });
  Object.defineProperty(api, Symbol.for('nodejs.util.inspect.custom'), { value: () => '[audit HMAC key]' });
  return api;
}

/** The key from the environment, or undefined when the variable is unset or empty. */
export function auditKeyFromEnv(env: NodeJS.ProcessEnv = process.env): AuditKey | undefined {
  const value = env[AUDIT_HMAC_ENV];
  return value === undefined || value === '' ? undefined : createAuditKey(value);
}
