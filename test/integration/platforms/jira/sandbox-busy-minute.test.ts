import { afterEach, describe, expect, it } from 'vitest';
import { loadPlatformMappings, mapOutbound } from '../../../../src/mapping/mapper.js';
import type { Action, PlannedAction } from '../../../../src/model/action.js';
import type { Connector, PulledRecord, WriteRequest } from '../../../../src/platforms/types.js';
import { JiraStore, startJiraSandbox, type JiraSandbox } from '../../../../src/sandbox/jira/index.js';
import { type Flavour, harness, source } from './setup.js';

/**
 * A bulk change or import leaves more than a page of issues in one `updated` minute. Data Center
 * pages by offset; deskbridge's own writes between pages move issues out of that minute and
 * shift every later offset. Paging must still reach every issue of the minute.
 */
describe.each(['datacenter', 'cloud'] as Flavour[])('Jira %s pull over a minute holding more than a page', (flavour) => {
  let sandbox: JiraSandbox | undefined;
  const mappings = loadPlatformMappings(new URL('../../../../mappings/', import.meta.url).pathname, `jira-${flavour}`);

  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  async function start(count: number): Promise<{ sandbox: JiraSandbox; connector: Connector }> {
    let clock = Date.parse('2026-11-20T10:00:00Z');
    // Every request moves the clock a little, so writes land in later minutes than the import.
    const now = (): Date => new Date((clock += 50));
    const store = new JiraStore({ flavour, now });
    const minute = Date.parse('2026-11-20T09:30:00Z');
    for (let i = 0; i < count; i++) {
      store.createIssue({ project: 'ITSM', issueType: 'Incident', summary: `Imported incident ${i}`, created: minute + (i % 50) * 1000, updated: minute + (i % 50) * 1000 }, null);
    }
    const started = await startJiraSandbox({ flavour, store, now });
    const auth = flavour === 'cloud' ? 'deskbridge@example.com' : 'deskbridge';
    const connector = harness(
      source(flavour, {
        baseUrl: started.url,
        auth: { type: 'basic', username: auth, password: 'deskbridge' },
        jql: 'project = ITSM',
        serviceDesk: false,
        pageSize: 100,
        rateLimit: { requestsPerMinute: 600000, concurrency: 4 },
      }),
    ).connector;
    return { sandbox: started, connector };
  }

  async function commentOn(connector: Connector, record: PulledRecord): Promise<void> {
    const action: Action = { type: 'comment', visibility: 'internal', body: 'deskbridge routed this to Network Operations.' };
    const planned: PlannedAction = {
      id: `note-${record.nativeId}`,
      sourceId: 'jsm',
      ruleId: 'network',
      target: { ticketKey: `jira:jsm:${record.nativeId}`, nativeId: record.nativeId, number: String(record.raw['key']), version: record.version },
      action,
      explanation: 'test',
    };
    const marker = `deskbridge:${record.nativeId}`;
    const fields = await mapOutbound(mappings, { action, target: planned.target, marker });
    const request: WriteRequest = { planned, action, fields, marker, firstAttempt: true };
    await connector.apply(request);
  }

  it('reaches all 350 issues of the minute while its own writes between pages move them out of it', async () => {
    const started = await start(350);
    sandbox = started.sandbox;
    const processed = new Set<string>();
    let pages = 0;
    // As the sync loop does: each page is processed (here: every issue gets a note) before the next is asked for.
    for await (const page of started.connector.pull({ from: '2026-11-20T09:00:00.000Z', fields: ['summary'] })) {
      pages++;
      for (const record of page.records) {
        if (processed.has(record.nativeId)) continue;
        processed.add(record.nativeId);
        await commentOn(started.connector, record);
      }
    }

    expect(processed.size).toBe(350);
    expect(pages).toBeLessThan(30);
    const notes = sandbox.store.list().filter((issue) => issue.key.startsWith('ITSM-') && (sandbox?.store.comments(issue.id).length ?? 0) > 0);
    expect(notes).toHaveLength(350);
  });
});
