import type { HttpLogger } from '../../http/client.js';
import type { PulledRecord, PullPage, UnreadableRecord } from '../types.js';
import { incrementalJql } from './jql.js';
import { HeldMinute } from './pagination.js';
import type { ReadIssue } from './record.js';
import { floorToMinute, jqlDateTime, safeLowerBound } from './time.js';

/**
 * Issues of one `updated` minute held back while paging through it (see HeldMinute). Beyond this
 * the pull hands them out and pages on by offset, which deskbridge's own writes can shift.
 */
const MAX_HELD_ISSUES = 20_000;
/** Field ids Jira accepts in `fields` (`summary`, `customfield_10001`). */
const FIELD_ID = /^[A-Za-z][A-Za-z0-9_]*$/;
/** Top-level keys of an issue, not field ids: a mapping reading `key` must not ask for a field `key`. */
const ISSUE_ENVELOPE_KEYS = new Set(['id', 'key', 'self', 'expand', 'fields', 'changelog', 'renderedFields', 'names', 'schema', 'transitions', 'operations', 'editmeta', 'versionedRepresentations']);

/** Requested fields plus what the connector needs (`updated`, the group field), de-duplicated. */
export function fieldList(requested: readonly string[], groupFieldId: string): string[] {
  const names = new Set<string>();
  for (const field of requested) {
    if (!ISSUE_ENVELOPE_KEYS.has(field) && FIELD_ID.test(field)) {
      names.add(field);
    }
  }
  names.add('updated');
  // Who wrote the last comment tells our own comments from people's (they leave no changelog entry).
  names.add('comment');
  // The mappings read the group field through $source.groupField, which no field scan can see.
  names.add(groupFieldId);
  return [...names];
}

export interface PullPassOptions {
  /** Lower bound (epoch ms, already floored safely in the user's zone); null pulls everything. */
  boundMs: number | null;
  fields: string[];
  pageSize: number;
  /** IANA zone JQL dates are read in. */
  timeZone: string;
  /** The source's configured JQL filter. */
  filter: string;
  /** Reads one raw issue of a search page. */
  readIssue: (raw: unknown) => ReadIssue | UnreadableRecord;
  /** Runs a JQL-building step, turning a rejected value into the connector's error. */
  guard: <T>(build: () => T) => T;
  logger: HttpLogger | undefined;
  sourceId: string;
}

export interface PageRead {
  unreadable: UnreadableRecord[];
  /** `updated` (epoch ms) of each issue of the page, in order; undefined for an unreadable one. */
  updatedMs: (number | undefined)[];
}

/**
 * One incremental pull, whichever flavour pages it: the issues read so far (a re-anchored query
 * re-reads the last minute's), the minute held back until it is complete, and the pages handed out.
 */
export class PullPass {
  readonly held = new HeldMinute<PulledRecord>();
  private readonly seen = new Set<string>();
  private readonly options: PullPassOptions;

  constructor(options: PullPassOptions) {
    this.options = options;
  }

  get boundMs(): number | null {
    return this.options.boundMs;
  }

  get fields(): string[] {
    return this.options.fields;
  }

  get pageSize(): number {
    return this.options.pageSize;
  }

  /** The incremental query from `boundMs` (the whole filter when null). */
  jql(boundMs: number | null): string {
    return this.options.guard(() => incrementalJql(this.options.filter, boundMs === null ? undefined : jqlDateTime(boundMs, this.options.timeZone)));
  }

  /** A minute as a lower bound that is safe in the user's zone (see time.ts). */
  readonly lowerBound = (ms: number): number => safeLowerBound(ms, this.options.timeZone);

  /**
   * Reads a page into `held`; an (id, updated) already read in this pass (re-read at a page
   * boundary) is only counted for its minute, not handed out twice.
   */
  read(issues: readonly unknown[]): PageRead {
    const unreadable: UnreadableRecord[] = [];
    const updatedMs: (number | undefined)[] = [];
    for (const raw of issues) {
      const read = this.options.readIssue(raw);
      if ('error' in read) {
        unreadable.push(read);
        updatedMs.push(undefined);
        continue;
      }
      updatedMs.push(read.updatedMs);
      const seenKey = `${read.record.nativeId}@${read.record.version}`;
      if (this.seen.has(seenKey)) {
        this.held.noteRead(read.record.nativeId, read.updatedMs);
        continue;
      }
      this.seen.add(seenKey);
      this.held.add(read.record, read.record.nativeId, read.updatedMs);
    }
    return { unreadable, updatedMs };
  }

  /**
   * Hands out the held issues of minutes before `beforeMinute` (all when undefined) in pages of
   * at most `pageSize`, with the page's unreadable issues. A minute holding more than
   * MAX_HELD_ISSUES issues is handed out too, with a warning: memory wins over exactness there.
   */
  *release(unreadable: UnreadableRecord[], beforeMinute: number | undefined): Iterable<PullPage> {
    let records = this.held.release(beforeMinute);
    if (beforeMinute !== undefined && this.held.size > MAX_HELD_ISSUES) {
      this.options.logger?.warn('More issues share one updated minute than the pull holds back; paging on by offset', {
        source: this.options.sourceId,
        issues: this.held.size,
        hint: "deskbridge's own writes between pages may shift the offsets; the next pass re-reads the overlap",
      });
      records = [...records, ...this.held.handOut()];
    }
    const size = Math.max(1, this.options.pageSize);
    // Always at least one page, even empty: the sync loop drains and checks for an abort between pages.
    for (let i = 0; i === 0 || i < records.length; i += size) {
      yield { records: records.slice(i, i + size), unreadable: i === 0 ? unreadable : [] };
    }
  }
}

/** Minute (epoch ms) of the last readable issue of a page. */
export function lastMinuteOf(updatedMs: readonly (number | undefined)[]): number | undefined {
  for (let i = updatedMs.length - 1; i >= 0; i--) {
    const ms = updatedMs[i];
    if (ms !== undefined) return floorToMinute(ms);
  }
  return undefined;
}
