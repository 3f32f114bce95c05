import type { WriteResult } from '../../types.js';
import type { OwnVersions } from '../own-versions.js';
import type { UpdateAnswer } from './update.js';

/**
 * The result of an update that was not applied, or undefined when it was: a conflict is
 * `superseded` (the next pass plans on the newer version); a closed or deleted ticket is
 * `skipped` with the reason — recorded, never retried, because no retry can change it.
 */
export function notApplied(answer: UpdateAnswer, nativeId: string): WriteResult | undefined {
  switch (answer.kind) {
    case 'conflict':
      return { outcome: 'superseded', ref: nativeId };
    case 'closed':
      return { outcome: 'skipped', ref: nativeId, reason: `Zendesk does not change closed tickets (${answer.message})` };
    case 'gone':
      return { outcome: 'skipped', ref: nativeId, reason: 'the ticket was deleted' };
    case 'updated':
      return undefined;
  }
}

/** An applied update: `updated`, with the version it left the ticket at (remembered as our own). */
export function applied(answer: Extract<UpdateAnswer, { kind: 'updated' }>, nativeId: string, own: OwnVersions, extra: Partial<WriteResult> = {}): WriteResult {
  own.note(nativeId, answer.version);
  return { outcome: 'updated', ref: nativeId, ownVersion: answer.version, ...extra };
}
