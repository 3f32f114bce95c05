import { describe, expect, it } from 'vitest';
import { adfToText, textToAdf } from '../../../../src/platforms/jira/adf.js';
import { configuredJql, incrementalJql, jqlString } from '../../../../src/platforms/jira/jql.js';
import { HeldMinute, nextDcCursor } from '../../../../src/platforms/jira/pagination.js';
import { jiraTimeToIso, jqlDateTime, safeLowerBound } from '../../../../src/platforms/jira/time.js';

const at = (iso: string): number => Date.parse(iso);
const noDst = (ms: number): number => ms;

describe('Jira time handling', () => {
  it.each([
    ['2024-05-14T11:15:42.123+0200', '2024-05-14T09:15:42.123Z'],
    ['2024-05-14T09:15:42.000-0400', '2024-05-14T13:15:42.000Z'],
    ['2024-05-14T09:15:42+00:00', '2024-05-14T09:15:42.000Z'],
    ['2024-05-14T09:15:42.123Z', '2024-05-14T09:15:42.123Z'],
  ])('reads %s as %s', (jira, iso) => {
    expect(jiraTimeToIso(jira)).toBe(iso);
  });

  it('rejects what is not a Jira date-time', () => {
    expect(jiraTimeToIso('14/May/24 11:15 AM')).toBeUndefined();
  });

  it("prints a JQL bound in the user's zone, floored to the minute", () => {
    const ms = safeLowerBound(at('2024-05-14T09:14:59.999Z'), 'Europe/Berlin');

    expect(jqlDateTime(ms, 'Europe/Berlin')).toBe('2024-05-14 11:14');
    expect(jqlDateTime(ms, 'Asia/Kolkata')).toBe('2024-05-14 14:44');
  });

  it('moves the bound back an hour around a clock change, where a wall-clock time may happen twice', () => {
    // 2024-11-03 01:30 happens twice in New York; Jira could read it as the later one.
    const ms = safeLowerBound(at('2024-11-03T05:30:00Z'), 'America/New_York');

    expect(jqlDateTime(ms, 'America/New_York')).toBe('2024-11-03 00:30');
    expect(safeLowerBound(at('2024-05-14T05:30:00Z'), 'America/New_York')).toBe(at('2024-05-14T05:30:00Z'));
  });
});

describe('JQL building', () => {
  it('quotes values so they cannot add clauses', () => {
    expect(jqlString('a" OR project = SECRET OR summary ~ "x')).toBe('"a\\" OR project = SECRET OR summary ~ \\"x"');
    expect(() => jqlString('line\nbreak')).toThrow('control character');
  });

  it("wraps the admin's filter so its ORs cannot escape the bound", () => {
    expect(incrementalJql(configuredJql(' project = A OR project = B '), '2024-05-14 11:14')).toBe('(project = A OR project = B) AND updated >= "2024-05-14 11:14" ORDER BY updated ASC, id ASC');
  });
});

describe('Data Center page cursor', () => {
  const minute = (hhmmss: string): number => at(`2024-05-14T13:${hhmmss}Z`);

  const readIn =
    (counts: Record<number, number>) =>
    (ms: number): number =>
      counts[ms] ?? 0;

  it('restarts from the last minute, skipping the issues of it already read less a margin', () => {
    const next = nextDcCursor({ boundMs: minute('00:00'), startAt: 0 }, [minute('00:10'), minute('01:05'), minute('01:30'), minute('01:59')], 10, noDst, readIn({ [minute('01:00')]: 3 }));

    expect(next).toEqual({ boundMs: minute('01:00'), startAt: 2 });
  });

  it('inside one minute that holds more than a page, starts after the issues of the minute read so far', () => {
    const busy = Array.from({ length: 10 }, (_, i) => minute(`05:${String(i).padStart(2, '0')}`));

    expect(nextDcCursor({ boundMs: minute('05:00'), startAt: 9 }, busy, 10, noDst, readIn({ [minute('05:00')]: 19 }))).toEqual({ boundMs: minute('05:00'), startAt: 18 });
  });

  it('counts only readable issues of the minute, so an unreadable one is re-read rather than skipped', () => {
    const next = nextDcCursor({ boundMs: null, startAt: 0 }, [minute('01:10'), undefined, minute('01:20'), minute('01:30')], 4, noDst, readIn({ [minute('01:00')]: 3 }));

    expect(next).toEqual({ boundMs: minute('01:00'), startAt: 2 });
  });

  it('pages by offset where the minute is ambiguous (a clock change)', () => {
    const ambiguous = (ms: number): number => ms - 3_600_000;

    expect(nextDcCursor({ boundMs: minute('00:00'), startAt: 0 }, [minute('01:10'), minute('01:20')], 2, ambiguous, readIn({}))).toEqual({ boundMs: minute('00:00'), startAt: 1 });
  });

  it('gives up when no issue on a full page was readable', () => {
    expect(nextDcCursor({ boundMs: null, startAt: 0 }, [undefined, undefined], 2, noDst, readIn({}))).toBeUndefined();
  });
});

describe('held minute', () => {
  const at1 = (mmss: string): number => Date.parse(`2024-05-14T13:${mmss}Z`);

  it('hands out the issues of earlier minutes only, and counts each issue of a minute once however often it is re-read', () => {
    const held = new HeldMinute<string>();
    held.add('A', '1', at1('00:10'));
    held.add('B', '2', at1('01:05'));
    held.add('C', '3', at1('01:30'));
    held.noteRead('3', at1('01:30'));

    expect(held.release(at1('01:00'))).toEqual(['A']);
    expect(held.readInMinute(at1('01:00'))).toBe(2);
    expect(held.release()).toEqual(['B', 'C']);
    expect(held.size).toBe(0);
  });
});

describe('ADF', () => {
  it('turns plain text into paragraphs and hard breaks, and back', () => {
    const doc = textToAdf('Routed to Network.\nOn point: NE 1.\n\n(deskbridge:abc)');

    expect(doc).toEqual({
      type: 'doc',
      version: 1,
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: 'Routed to Network.' }, { type: 'hardBreak' }, { type: 'text', text: 'On point: NE 1.' }] },
        { type: 'paragraph', content: [{ type: 'text', text: '(deskbridge:abc)' }] },
      ],
    });
    expect(adfToText(doc)).toBe('Routed to Network.\nOn point: NE 1.\n(deskbridge:abc)');
  });

  it('keeps the visible text of mentions, emoji and links and ignores what it does not know', () => {
    const doc = {
      type: 'doc',
      version: 1,
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'mention', attrs: { id: '5b10', text: '@Beth Anglin' } },
            { type: 'text', text: ' see ' },
            { type: 'inlineCard', attrs: { url: 'https://status.acme.example' } },
          ],
        },
        { type: 'bulletList', content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'emoji', attrs: { shortName: ':fire:', text: '🔥' } }] }] }] },
        { type: 'mediaSingle', content: [{ type: 'media', attrs: { id: 'x', type: 'file' } }] },
      ],
    };

    expect(adfToText(doc)).toBe('@Beth Anglin see https://status.acme.example\n🔥');
    expect(adfToText(null)).toBe('');
  });
});
