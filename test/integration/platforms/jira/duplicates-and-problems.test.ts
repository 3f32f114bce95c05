import { describe, expect, it } from 'vitest';
import type { Action } from '../../../../src/model/action.js';
import { correlationLabel } from '../../../../src/platforms/jira/index.js';
import { useHttpMock } from '../../../helpers/http-mock.js';
import { CLOUD_URL, DC_URL, type Flavour, fixture, harness, source, write } from './setup.js';

const http = useHttpMock();

const KEY = 'pattern:vpn-berlin';
const LABEL = correlationLabel(KEY);

interface Side {
  flavour: Flavour;
  url: string;
  api: string;
  target: string;
  targetKey: string;
}

const SIDES: Side[] = [
  { flavour: 'cloud', url: CLOUD_URL, api: '/rest/api/3', target: '10042', targetKey: 'ITSM-42' },
  { flavour: 'datacenter', url: DC_URL, api: '/rest/api/2', target: '20001', targetKey: 'ITSM-101' },
];

const DUPLICATE_TYPE = { id: '10002', name: 'Duplicate', inward: 'is duplicated by', outward: 'duplicates' };
const DONE = { id: 3, key: 'done', colorName: 'green', name: 'Done' };
const IN_PROGRESS = { id: 4, key: 'indeterminate', colorName: 'yellow', name: 'In Progress' };

describe.each(SIDES)('Jira $flavour duplicates and problem updates', ({ flavour, url, api, target, targetKey }) => {
  const connector = (overrides: Record<string, unknown> = {}) => harness(source(flavour, { serviceDesk: false, problems: { projectKey: 'PRB' }, ...overrides }));
  const myself = () => http.mock(url).get(`${api}/myself`).reply(200, fixture(flavour, 'myself'));
  const linkedIssue = (id: string, key: string) => ({
    id,
    key,
    self: `${url}${api}/issue/${id}`,
    fields: { summary: 'VPN drops in Berlin office', status: { name: 'Waiting for support', statusCategory: IN_PROGRESS } },
  });
  /** `GET /issue/{id}?fields=issuelinks` as Jira answers it. */
  const links = (issuelinks: Record<string, unknown>[]) =>
    http
      .mock(url)
      .get(`${api}/issue/${target}`)
      .query({ fields: 'issuelinks' })
      .reply(200, { expand: 'renderedFields,names,schema', id: target, key: targetKey, self: `${url}${api}/issue/${target}`, fields: { issuelinks } });
  const duplicate: Action = { type: 'link-duplicate', original: { nativeId: '10007', number: 'ITSM-7' } };

  describe('link-duplicate', () => {
    it('links the duplicate as inwardIssue and the original as outwardIssue, so it reads "duplicates ITSM-7"', async () => {
      const { connector: c } = connector();
      myself();
      links([{ id: '10300', type: { id: '10003', name: 'Relates', inward: 'relates to', outward: 'relates to' }, outwardIssue: linkedIssue('10007', 'ITSM-7') }]);
      http
        .mock(url)
        .post(`${api}/issueLink`, { type: { name: 'Duplicate' }, inwardIssue: { id: target }, outwardIssue: { id: '10007' } })
        .reply(201);

      await expect(c.apply(write(flavour, duplicate, {}))).resolves.toEqual({ outcome: 'created', ref: target });
    });

    it('finds the link on a retry and posts no second one', async () => {
      const { connector: c } = connector();
      myself();
      links([{ id: '10301', type: DUPLICATE_TYPE, outwardIssue: linkedIssue('10007', 'ITSM-7') }]);

      await expect(c.apply(write(flavour, duplicate, {}))).resolves.toEqual({ outcome: 'unchanged', ref: target });
      expect(http.requests().map((r) => r.method)).toEqual(['GET', 'GET']);
    });

    it('leaves an issue a person already marked as a duplicate of another issue alone, with a warning', async () => {
      const { connector: c, logs } = connector();
      myself();
      links([{ id: '10302', type: DUPLICATE_TYPE, outwardIssue: linkedIssue('10099', 'ITSM-99') }]);

      await expect(c.apply(write(flavour, duplicate, {}))).resolves.toEqual({ outcome: 'unchanged', ref: target });
      expect(logs).toContainEqual(expect.objectContaining({ message: 'Duplicate already points elsewhere; left as it is', meta: expect.objectContaining({ current: 'ITSM-99' }) }));
    });

    it('still links when other issues are only duplicates of this one ("is duplicated by")', async () => {
      const { connector: c } = connector();
      myself();
      links([{ id: '10303', type: DUPLICATE_TYPE, inwardIssue: linkedIssue('10099', 'ITSM-99') }]);
      http
        .mock(url)
        .post(`${api}/issueLink`, { type: { name: 'Duplicate' }, inwardIssue: { id: target }, outwardIssue: { id: '10007' } })
        .reply(201);

      await expect(c.apply(write(flavour, duplicate, {}))).resolves.toEqual({ outcome: 'created', ref: target });
    });

    it('uses the configured duplicateLinkType and says which setting to fix when Jira does not know it', async () => {
      const { connector: c } = connector({ duplicateLinkType: 'Duplicates' });
      myself();
      links([]);
      http
        .mock(url)
        .post(`${api}/issueLink`, { type: { name: 'Duplicates' }, inwardIssue: { id: target }, outwardIssue: { id: '10007' } })
        .reply(404, { errorMessages: ["No issue link type with name 'Duplicates' found."], errors: {} });

      await expect(c.apply(write(flavour, duplicate, {}))).rejects.toMatchObject({ details: { code: 'not-found' } });
    });

    it('refuses to mark an issue as a duplicate of itself, before any request', async () => {
      const { connector: c } = connector();

      await expect(c.apply(write(flavour, { type: 'link-duplicate', original: { nativeId: target, number: targetKey } }, {}))).rejects.toMatchObject({
        details: { code: 'bad-request' },
      });
      expect(http.requests()).toEqual([]);
    });
  });

  describe('update-problem', () => {
    const lookup = () =>
      flavour === 'cloud'
        ? http
            .mock(url)
            .post('/rest/api/3/search/jql', { jql: `project = "PRB" AND labels = "${LABEL}" ORDER BY created ASC, id ASC`, fields: ['id'], maxResults: 1 })
            .reply(200, { issues: [{ id: '10500', key: 'PRB-7' }], isLast: true })
        : http
            .mock(url)
            .post('/rest/api/2/search', { jql: `project = "PRB" AND labels = "${LABEL}" ORDER BY created ASC, id ASC`, startAt: 0, maxResults: 1, fields: ['id'] })
            .reply(200, { startAt: 0, maxResults: 1, total: 1, issues: [{ id: '10500', key: 'PRB-7' }] });
    const status = (name: string, category: Record<string, unknown>) =>
      http
        .mock(url)
        .get(`${api}/issue/10500`)
        .query({ fields: 'status' })
        .reply(200, { id: '10500', key: 'PRB-7', fields: { status: { name, id: '6', statusCategory: category } } });
    const description = flavour === 'cloud' ? { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: '7 incidents in 2 hours' }] }] } : '7 incidents in 2 hours';
    const put = () =>
      http
        .mock(url)
        .put(`${api}/issue/10500`, { fields: { summary: 'Recurring VPN drops (7 incidents)', description } })
        .reply(204);
    const update = (reopen: boolean): Action => ({ type: 'update-problem', correlationKey: KEY, title: 'Recurring VPN drops (7 incidents)', description: '7 incidents in 2 hours', reopen });
    const mapped = { fields: { summary: 'Recurring VPN drops (7 incidents)', description: '7 incidents in 2 hours' } };

    it(`rewrites summary and description (${flavour === 'cloud' ? 'ADF' : 'plain/wiki'}) without reopening when not asked`, async () => {
      const { connector: c } = connector();
      myself();
      lookup();
      put();

      await expect(c.apply(write(flavour, update(false), mapped))).resolves.toEqual({ outcome: 'updated', ref: '10500' });
      expect(http.requests().map((r) => r.method)).toEqual(['GET', 'POST', 'PUT']);
    });

    it('reopens a done problem by the "Reopen" transition before editing it', async () => {
      const { connector: c } = connector();
      myself();
      lookup();
      status('Closed', DONE);
      http
        .mock(url)
        .get(`${api}/issue/10500/transitions`)
        .reply(200, { expand: 'transitions', transitions: [{ id: '711', name: 'Reopen', to: { name: 'Reopened', statusCategory: { key: 'new' } } }] })
        .post(`${api}/issue/10500/transitions`, { transition: { id: '711' } })
        .reply(204);
      put();

      await expect(c.apply(write(flavour, update(true), mapped))).resolves.toEqual({ outcome: 'updated', ref: '10500' });
      expect(
        http
          .requests()
          .map((r) => `${r.method} ${r.url.pathname}`)
          .slice(3),
      ).toEqual([`GET ${api}/issue/10500/transitions`, `POST ${api}/issue/10500/transitions`, `PUT ${api}/issue/10500`]);
    });

    it('does not transition a problem that is still open', async () => {
      const { connector: c } = connector();
      myself();
      lookup();
      status('In Progress', IN_PROGRESS);
      put();

      await expect(c.apply(write(flavour, update(true), mapped))).resolves.toEqual({ outcome: 'updated', ref: '10500' });
    });

    it('names the available transitions when the reopen transition does not exist', async () => {
      const { connector: c } = connector({ problems: { projectKey: 'PRB', reopenTransition: 'Back to work' } });
      myself();
      lookup();
      status('Resolved', DONE);
      http
        .mock(url)
        .get(`${api}/issue/10500/transitions`)
        .reply(200, {
          transitions: [
            { id: '711', name: 'Reopen', to: { name: 'Reopened' } },
            { id: '2', name: 'Close Issue', to: { name: 'Closed' } },
          ],
        });

      await expect(c.apply(write(flavour, update(true), mapped))).rejects.toMatchObject({
        details: { code: 'bad-request', hint: expect.stringContaining('problems.reopenTransition') },
        message: expect.stringContaining('"Reopen" → Reopened'),
      });
    });

    it('reports a problem that is not there (yet) as retryable not-found', async () => {
      const { connector: c } = connector();
      myself();
      if (flavour === 'cloud') {
        http.mock(url).post('/rest/api/3/search/jql').reply(200, { issues: [], isLast: true });
      } else {
        http.mock(url).post('/rest/api/2/search').reply(200, { startAt: 0, maxResults: 1, total: 0, issues: [] });
      }

      await expect(c.apply(write(flavour, update(true), mapped))).rejects.toMatchObject({ details: { code: 'not-found', retryable: true } });
    });

    it('refuses an update-problem mapping that asks for a transition, before any request', async () => {
      const { connector: c } = connector();

      await expect(c.apply(write(flavour, update(true), { transition: 'Reopen' }))).rejects.toMatchObject({ details: { code: 'bad-request' } });
      expect(http.requests()).toEqual([]);
    });
  });

  describe('problemStates', () => {
    const problem = (id: string, key: string, labels: string[], category: Record<string, unknown>, statusName: string) => ({
      id,
      key,
      self: `${url}${api}/issue/${id}`,
      fields: { labels: ['deskbridge', ...labels], status: { name: statusName, id: '1', statusCategory: category } },
    });

    it('answers open, closed and absent keys from one labels-in search', async () => {
      const { connector: c } = connector();
      const [open, done, absent] = ['k-open', 'k-done', 'k-absent'].map(correlationLabel);
      const jql = `project = "PRB" AND labels in ("${open}", "${done}", "${absent}") ORDER BY created ASC, id ASC`;
      const issues = [
        problem('10500', 'PRB-7', [open ?? ''], IN_PROGRESS, 'Under investigation'),
        problem('10501', 'PRB-8', [done ?? ''], DONE, 'Closed'),
        problem('10502', 'PRB-9', [open ?? ''], DONE, 'Closed'),
      ];
      if (flavour === 'cloud') {
        http
          .mock(url)
          .post('/rest/api/3/search/jql', { jql, fields: ['labels', 'status'], maxResults: 100 })
          .reply(200, { issues, isLast: true });
      } else {
        http
          .mock(url)
          .post('/rest/api/2/search', { jql, startAt: 0, maxResults: 100, fields: ['labels', 'status'] })
          .reply(200, { startAt: 0, maxResults: 100, total: 3, issues });
      }

      const states = await c.problemStates(['k-open', 'k-done', 'k-absent']);

      expect(Object.fromEntries(states)).toEqual({
        'k-open': { state: 'open', nativeId: '10500', number: 'PRB-7' },
        'k-done': { state: 'closed', nativeId: '10501', number: 'PRB-8' },
      });
    });

    it('splits 120 keys into searches of 50 labels', async () => {
      const { connector: c } = connector();
      const sizes: number[] = [];
      const body = (b: Record<string, unknown>) => {
        sizes.push(String(b.jql).split('deskbridge-').length - 1);
        return true;
      };
      if (flavour === 'cloud') {
        http.mock(url).post('/rest/api/3/search/jql', body).times(3).reply(200, { issues: [], isLast: true });
      } else {
        http.mock(url).post('/rest/api/2/search', body).times(3).reply(200, { startAt: 0, maxResults: 100, total: 0, issues: [] });
      }

      await c.problemStates(Array.from({ length: 120 }, (_, i) => `k${i}`));

      expect(sizes).toEqual([50, 50, 20]);
    });

    it('follows the next page of a search', async () => {
      const { connector: c } = connector();
      const label = correlationLabel('k-late');
      const late = problem('10600', 'PRB-20', [label], DONE, 'Resolved');
      if (flavour === 'cloud') {
        http
          .mock(url)
          .post('/rest/api/3/search/jql', (b) => b.nextPageToken === undefined)
          .reply(200, { issues: [], nextPageToken: 'CAEaAggD', isLast: false })
          .post('/rest/api/3/search/jql', (b) => b.nextPageToken === 'CAEaAggD')
          .reply(200, { issues: [late], isLast: true });
      } else {
        const filler = Array.from({ length: 100 }, (_, i) => problem(String(11000 + i), `PRB-${100 + i}`, [], IN_PROGRESS, 'Open'));
        http
          .mock(url)
          .post('/rest/api/2/search', (b) => b.startAt === 0)
          .reply(200, { startAt: 0, maxResults: 100, total: 101, issues: filler })
          .post('/rest/api/2/search', (b) => b.startAt === 100)
          .reply(200, { startAt: 100, maxResults: 100, total: 101, issues: [late] });
      }

      const states = await c.problemStates(['k-late']);

      expect(states.get('k-late')).toEqual({ state: 'closed', nativeId: '10600', number: 'PRB-20' });
    });

    it('has no problems to report on a source without a problem project, and sends nothing', async () => {
      const { connector: c } = harness(source(flavour));

      await expect(c.problemStates(['k'])).resolves.toEqual(new Map());
      expect(http.requests()).toEqual([]);
    });
  });
});
