import { readFileSync } from 'node:fs';
import { connectorHarness, type Harness } from '../../../helpers/connector-harness.js';
import { JiraSource } from '../../../../src/platforms/jira/source.js';
import type { Action, PlannedAction } from '../../../../src/model/action.js';
import type { ConnectorDeps } from '../../../../src/platforms/deps.js';
import { createJiraConnector } from '../../../../src/platforms/jira/index.js';
import type { WriteRequest } from '../../../../src/platforms/types.js';

export const CLOUD_URL = 'https://acme.atlassian.net';
export const DC_URL = 'https://jira.acme.internal';
export const API_TOKEN = 'ATATT3xFfGF0-do-not-log';
export const PAT = 'NjQ3MTIzNDU2Nzg5OnBhdC1kby1ub3QtbG9n';
/** accountId of the Cloud integration user (fixtures/cloud/myself.json). */
export const CLOUD_ME = '712020:0e2f1a7c-5b1d-4c1e-9a0b-3f6d2c8e4a11';
/** username of the Data Center integration user (fixtures/datacenter/myself.json). */
export const DC_ME = 'svc-deskbridge';
export const MARKER = 'deskbridge:3f9a1c2e7b4d5a60';

export type Flavour = 'cloud' | 'datacenter';

const fixtureDir = new URL('../../../fixtures/platforms/jira/', import.meta.url);

/** A vendor-shaped JSON body from test/fixtures/platforms/jira/<flavour>/ (objects and arrays alike). */
export function fixture(flavour: Flavour, name: string): Record<string, unknown> {
  return JSON.parse(fixtureText(flavour, `${name}.json`)) as Record<string, unknown>;
}

/** A fixture file's text, for bodies that are not JSON. */
export function fixtureText(flavour: Flavour, file: string): string {
  return readFileSync(new URL(`${flavour}/${file}`, fixtureDir), 'utf8');
}

/** A source as the config loader would produce it (defaults applied). */
export function source(flavour: Flavour, overrides: Record<string, unknown> = {}): JiraSource {
  return JiraSource.parse({
    id: flavour === 'cloud' ? 'jsm-cloud' : 'jsm-dc',
    platform: 'jira',
    flavour,
    baseUrl: flavour === 'cloud' ? CLOUD_URL : DC_URL,
    jql: 'project = ITSM AND issuetype = Incident',
    auth: flavour === 'cloud' ? { type: 'basic', username: 'deskbridge@acme.example', password: API_TOKEN } : { type: 'bearer', token: PAT },
    ...overrides,
  });
}

export type { Harness, LogEntry } from '../../../helpers/connector-harness.js';
export { collect } from '../../../helpers/connector-harness.js';

/** A connector with instant, recorded sleeps, a captured log and its own host queues. */
export function harness(src: JiraSource, deps: ConnectorDeps = {}): Harness {
  return connectorHarness(createJiraConnector, src, deps);
}

/** A write as the executor hands it over; a retry (firstAttempt false) unless told otherwise. */
export function write(flavour: Flavour, action: Action, fields: Record<string, unknown>, options: { nativeId?: string; version?: string; firstAttempt?: boolean; marker?: string } = {}): WriteRequest {
  const nativeId = options.nativeId ?? (flavour === 'cloud' ? '10042' : '20001');
  const planned: PlannedAction = {
    id: 'a1b2c3d4e5f60718',
    sourceId: flavour === 'cloud' ? 'jsm-cloud' : 'jsm-dc',
    ruleId: 'network',
    target: {
      ticketKey: `jira:${flavour === 'cloud' ? 'jsm-cloud' : 'jsm-dc'}:${nativeId}`,
      nativeId,
      number: flavour === 'cloud' ? 'ITSM-42' : 'ITSM-101',
      version: options.version ?? (flavour === 'cloud' ? '2024-05-14T11:16:05.200+0200' : '2024-05-14T09:00:10.000-0400'),
    },
    action,
    explanation: 'Connectivity problem',
  };
  return { planned, action, fields, marker: options.marker ?? MARKER, firstAttempt: options.firstAttempt ?? false };
}

/** A changelog history entry as Jira returns it. */
export function history(flavour: Flavour, who: string, created: string, id = '29999'): Record<string, unknown> {
  return {
    id,
    author: flavour === 'cloud' ? { accountId: who, displayName: who, active: true, accountType: 'atlassian' } : { name: who, key: who, displayName: who, active: true },
    created,
    items: [{ field: 'assignee', fieldtype: 'jira', from: null, fromString: null, to: null, toString: 'Someone' }],
  };
}

/** `GET /issue/{id}?fields=updated,status&expand=changelog` as Jira answers it. */
export function versionCheck(flavour: Flavour, updated: string, histories: Record<string, unknown>[], status = 'Waiting for support'): Record<string, unknown> {
  const base = flavour === 'cloud' ? CLOUD_URL : DC_URL;
  const id = flavour === 'cloud' ? '10042' : '20001';
  return {
    expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations',
    id,
    self: `${base}/rest/api/${flavour === 'cloud' ? 3 : 2}/issue/${id}`,
    key: flavour === 'cloud' ? 'ITSM-42' : 'ITSM-101',
    changelog: { startAt: 0, maxResults: histories.length, total: histories.length, histories },
    fields: { updated, status: { name: status, id: '10001', statusCategory: { id: 2, key: 'new', name: 'To Do' } } },
  };
}
