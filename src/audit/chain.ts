import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.js';

/** `prev` of the first entry of every log: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** The envelope fields the hash covers; `prev` is chained in front, `hash` is the result. */
export interface HashedFields {
  seq: number;
  at: string;
  id: string;
  data: unknown;
}

/** Position of a log's last entry: what the state database stores so truncation can be caught. */
export interface ChainHead {
  /** seq of the last entry; 0 for an empty log. */
  seq: number;
  /** hash of the last entry; GENESIS_HASH for an empty log. */
  hash: string;
}

export const EMPTY_HEAD: ChainHead = Object.freeze({ seq: 0, hash: GENESIS_HASH });

/**
 * `sha256_hex(prev + "\n" + canonicalJson({seq, at, id, data}))`, hex in lower case, input UTF-8.
 * `prev` is the previous entry's hash (GENESIS_HASH for seq 1), so each entry commits to all
 * entries before it.
 */
export function entryHash(prev: string, fields: HashedFields): string {
  const body = canonicalJson({ seq: fields.seq, at: fields.at, id: fields.id, data: fields.data });
  return createHash('sha256').update(`${prev}\n${body}`, 'utf8').digest('hex');
}
