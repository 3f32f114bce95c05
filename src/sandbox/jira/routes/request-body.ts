import { type RichText, isAdfDoc } from '../adf.js';
import { TEAM_FIELD_ID } from '../catalogue.js';
import { jiraError, NOT_FOUND_ISSUE, GDPR_MESSAGE, cannotSet } from '../http.js';
import type { JiraSite } from '../site.js';
import { type IssuePatch, JiraValidationError, type StoredIssue } from '../store.js';

export interface ParsedWrite {
  patch: IssuePatch;
  project?: string;
  issueType?: string;
  /** Comments added through `update.comment` (edit, transition, create), internal when their `sd.public.comment` property says so. */
  comments: { body: RichText; public: boolean }[];
}

/** Request bodies → store values: issue fields and updates, user references, rich text; Jira-style field errors. */
export function createRequestBody(site: JiraSite) {
  const { store, flavour } = site;

  function requireIssue(idOrKey: string): StoredIssue {
    const issue = store.get(decodeURIComponent(idOrKey));
    if (!issue) throw jiraError(404, [NOT_FOUND_ISSUE]);
    return issue;
  }

  // ---- wire → store ------------------------------------------------------------------------

  /** A user reference in a write body: `{accountId}` (or `{id}`) on Cloud, `{name}` (or `{key}`) on Data Center. */
  function readUserRef(field: string, value: unknown, errors: Record<string, string>): string | null | undefined {
    if (value === null) return null;
    if (typeof value !== 'object' || Array.isArray(value)) {
      errors[field] = `expected Object for '${field}'`;
      return undefined;
    }
    const ref = value as Record<string, unknown>;
    if (flavour === 'cloud') {
      const accountId = ref['accountId'] ?? ref['id'];
      if (accountId === null) return null;
      if (typeof accountId !== 'string') {
        errors[field] = 'name' in ref || 'key' in ref ? GDPR_MESSAGE : `expected Object containing an 'accountId' property`;
        return undefined;
      }
      if (accountId === '-1') return null;
      if (!store.userById(accountId)) {
        errors[field] = 'Specified user does not exist or you do not have required permissions';
        return undefined;
      }
      return accountId;
    }
    const name = ref['name'] ?? ref['key'];
    if (name === null) return null;
    if (typeof name !== 'string') {
      errors[field] = "expected Object containing a 'name' property";
      return undefined;
    }
    const user = store.users().find((u) => u.name.toLowerCase() === name.toLowerCase());
    if (!user) {
      errors[field] = `User '${name}' does not exist.`;
      return undefined;
    }
    return user.accountId;
  }

  function readNamed(field: string, value: unknown, errors: Record<string, string>): string | undefined {
    if (typeof value === 'object' && value !== null) {
      const ref = value as Record<string, unknown>;
      const named = ref['name'] ?? ref['id'] ?? ref['key'];
      if (typeof named === 'string' || typeof named === 'number') return String(named);
    }
    errors[field] = `Could not find valid 'id' or 'name' in ${field} object.`;
    return undefined;
  }

  function readRichText(field: string, value: unknown, apiVersion: '2' | '3', errors: Record<string, string>): RichText | null | undefined {
    if (value === null) return null;
    if (apiVersion === '3') {
      if (isAdfDoc(value)) return { kind: 'adf', doc: value };
      errors[field] = 'Operation value must be an Atlassian Document (see the Atlassian Document Format)';
      return undefined;
    }
    if (typeof value === 'string') return { kind: 'text', text: value };
    errors[field] = 'Operation value must be a string';
    return undefined;
  }

  /** `fields` and `update` of a create/edit body → a store patch; collects Jira-style field errors. */
  function readWrite(body: Record<string, unknown>, apiVersion: '2' | '3', isCreate: boolean, current?: StoredIssue): ParsedWrite {
    const errors: Record<string, string> = {};
    const patch: IssuePatch = {};
    const parsed: ParsedWrite = { patch, comments: [] };
    const fields = body['fields'];
    if (fields !== undefined && (typeof fields !== 'object' || fields === null || Array.isArray(fields))) {
      throw jiraError(400, ["Can not deserialize 'fields': expected an object"]);
    }
    for (const [field, value] of Object.entries((fields ?? {}) as Record<string, unknown>)) {
      switch (field) {
        case 'project':
          if (!isCreate) errors[field] = cannotSet(field);
          else parsed.project = readNamed(field, value, errors);
          break;
        case 'issuetype':
          if (!isCreate) errors[field] = cannotSet(field);
          else parsed.issueType = readNamed(field, value, errors);
          break;
        case 'summary':
          if (typeof value === 'string') patch.summary = value;
          else errors[field] = 'Operation value must be a string';
          break;
        case 'description': {
          const text = readRichText(field, value, apiVersion, errors);
          if (text !== undefined) patch.description = text;
          break;
        }
        case 'priority':
          if (value === null) patch.priority = null;
          else {
            const named = readNamed(field, value, errors);
            if (named !== undefined) patch.priority = named;
          }
          break;
        case 'assignee':
        case 'reporter': {
          const ref = readUserRef(field, value, errors);
          if (ref !== undefined) patch[field] = ref;
          break;
        }
        case 'components':
          if (!Array.isArray(value)) errors[field] = 'Operation value must be an array';
          else patch.components = value.map((c) => componentName(c, current?.projectKey ?? parsed.project, errors)).filter((c): c is string => c !== undefined);
          break;
        case 'labels':
          if (!Array.isArray(value) || !value.every((l) => typeof l === 'string')) errors[field] = 'Operation value must be an array of strings';
          else patch.labels = value;
          break;
        case 'versions':
          if (!Array.isArray(value)) errors[field] = 'Operation value must be an array';
          else patch.versions = value.map((v) => String((v as { name?: unknown })?.name ?? ''));
          break;
        case TEAM_FIELD_ID:
          // "Team field in Jira REST API": set with the team id as a plain string.
          if (value === null || typeof value === 'string') patch.team = value;
          else errors[field] = 'Team id must be provided as a string.';
          break;
        default:
          errors[field] = cannotSet(field);
      }
    }
    const update = body['update'];
    if (update !== undefined && (typeof update !== 'object' || update === null || Array.isArray(update))) {
      throw jiraError(400, ["Can not deserialize 'update': expected an object"]);
    }
    for (const [field, ops] of Object.entries((update ?? {}) as Record<string, unknown>)) {
      if (!Array.isArray(ops)) {
        errors[field] = 'Operations must be an array';
        continue;
      }
      if (field === 'labels') {
        let labels = [...(patch.labels ?? current?.labels ?? [])];
        for (const op of ops as Record<string, unknown>[]) {
          if (typeof op['add'] === 'string') labels = [...labels.filter((l) => l !== op['add']), op['add']];
          else if (typeof op['remove'] === 'string') labels = labels.filter((l) => l !== op['remove']);
          else if (Array.isArray(op['set'])) labels = op['set'].map(String);
          else errors[field] = 'Unsupported labels operation';
        }
        patch.labels = labels;
      } else if (field === 'components') {
        let components = [...(patch.components ?? current?.components ?? [])];
        const project = current?.projectKey ?? parsed.project;
        for (const op of ops as Record<string, unknown>[]) {
          if (op['add'] !== undefined) {
            const name = componentName(op['add'], project, errors);
            if (name !== undefined && !components.includes(name)) components.push(name);
          } else if (op['remove'] !== undefined) {
            const name = componentName(op['remove'], project, errors);
            components = components.filter((c) => c !== name);
          } else if (Array.isArray(op['set'])) {
            components = op['set'].map((c) => componentName(c, project, errors)).filter((c): c is string => c !== undefined);
          } else errors[field] = 'Unsupported components operation';
        }
        patch.components = components;
      } else if (field === 'comment') {
        for (const op of ops as Record<string, unknown>[]) {
          const add = op['add'] as Record<string, unknown> | undefined;
          const text = readCommentBody(add?.['body'], apiVersion);
          // The add operation's value is a Comment, whose `properties` Cloud documents as "Optional on
          // create and update" (Comment schema, https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-comments/);
          // JSM keeps the internal flag in the sd.public.comment property, as on POST /comment.
          if (text) parsed.comments.push({ body: text, public: !internalProperty(add?.['properties']) });
          else errors['comment'] = 'Comment body is not valid!';
        }
      } else {
        errors[field] = cannotSet(field);
      }
    }
    if (Object.keys(errors).length > 0) throw jiraError(400, [], errors);
    return parsed;
  }

  function componentName(value: unknown, projectKey: string | undefined, errors: Record<string, string>): string | undefined {
    const ref = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
    const project = projectKey ? store.project(projectKey) : undefined;
    if (typeof ref['name'] === 'string') return ref['name'];
    if (typeof ref['id'] === 'string' && project) {
      const byId = project.components.find((c) => store.componentId(project.key, c) === ref['id']);
      if (byId) return byId;
      errors['components'] = `Component with id '${ref['id']}' does not exist.`;
      return undefined;
    }
    errors['components'] = "Could not find valid 'id' or 'name' in components object.";
    return undefined;
  }

  function internalProperty(properties: unknown): boolean {
    return (
      Array.isArray(properties) &&
      properties.some(
        (p) =>
          typeof p === 'object' &&
          p !== null &&
          (p as Record<string, unknown>)['key'] === 'sd.public.comment' &&
          ((p as Record<string, unknown>)['value'] as Record<string, unknown> | undefined)?.['internal'] === true,
      )
    );
  }

  /** v3 comments must be ADF; v2 comments are strings (wiki markup). */
  function readCommentBody(body: unknown, apiVersion: '2' | '3'): RichText | undefined {
    if (apiVersion === '3') return isAdfDoc(body) && body.content.length > 0 ? { kind: 'adf', doc: body } : undefined;
    return typeof body === 'string' && body.trim() !== '' ? { kind: 'text', text: body } : undefined;
  }

  function storeWrite<T>(write: () => T): T {
    try {
      return write();
    } catch (error) {
      if (error instanceof JiraValidationError) throw jiraError(error.status, error.errorMessages, error.errors);
      throw error;
    }
  }

  return { requireIssue, readUserRef, readNamed, readRichText, readWrite, componentName, readCommentBody, storeWrite };
}
