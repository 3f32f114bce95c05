import { z } from 'zod';
import { ExpectedAction, LinkedComment, LinkedEscalation, RuleTest } from '../model/rule-test.js';
import { NoteSpec, RuleScope } from '../model/rule.js';
import { RoutingRule } from '../engine/routing/schema.js';
import { EscalateRule } from '../engine/escalate/schema.js';
import { RulesFile } from '../engine/kinds.js';
import { TeamFile } from '../team/schema.js';
import { RateLimit, RetryPolicy } from '../http/settings.js';
import { PLATFORMS, mappingNames } from '../platforms/registry.js';
import { ConsoleAuth, ConsoleConfig, DaemonConfig, LogConfig } from './schema.js';

/**
 * JSON Schemas for editors, generated from the zod schemas (which stay the source of truth).
 *
 * - Draft-07: the YAML language server (VS Code's redhat.vscode-yaml, and monaco-yaml) validates
 *   against draft-07 and below; 2019-09/2020-12 support was added and reverted there.
 * - `io: 'input'`: what a person writes, so fields with a `.default()`/`.prefault()` are optional and
 *   carry their default (shown by completion and hover).
 * - Strict zod objects become `additionalProperties: false`, so editors flag unknown keys;
 *   discriminated unions become `oneOf` branches told apart by a `const` (`platform`, `type`, `kind`).
 * - Descriptions: the few `.describe()` texts in the schemas, plus {@link DESCRIPTIONS} below —
 *   the schemas' TSDoc copied next to the zod schema it documents (keyed by schema object, so a
 *   renamed field fails to type-check here instead of silently losing its text).
 * - `${ENV}` references (deskbridge.yaml only; rules files are not interpolated): the loader expands
 *   them in string values *before* validation and never coerces, so a number or boolean written as
 *   `${VAR}` is rejected by the loader as well — the schema agrees and keeps those fields typed.
 *   String fields that are merely `minLength` checked accept a reference as is. String fields with
 *   a `pattern`, `format` or `enum` would reject a valid `${SN_URL}` or `${LOG_LEVEL:-info}`, so they
 *   also accept any string containing a reference ({@link ENV_REFERENCE_PATTERN}). Discriminators
 *   (`platform`, `type`) stay plain constants: they pick the branch the editor validates against.
 */

export type JsonSchema = z.core.JSONSchema.BaseSchema;

export const SCHEMA_BASE_URL = 'https://deskbridge.dev/schemas/';

/** A `${NAME}` or `${NAME:-default}` reference, as `interpolateString` in env.ts reads it. */
export const ENV_REFERENCE_PATTERN = '\\$\\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\\}';

/** `a`, `a or b`, `a, b or c`. */
function inWords(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1] ?? ''}`;
}

// The escalate rule's nested blocks (each `.prefault({})`-wrapped), for their keys' descriptions.
const ESCALATE_COPY = EscalateRule.shape.copy.unwrap();
const ESCALATE_SYNC = EscalateRule.shape.sync.unwrap();
const ESCALATE_COMMENTS = ESCALATE_SYNC.shape.comments.unwrap();
const ESCALATE_COPY_RESOLVED = ESCALATE_SYNC.shape.copyResolved.unwrap();
const ESCALATE_ORIGINAL_CLOSED = ESCALATE_SYNC.shape.originalClosed.unwrap();

const DESCRIPTIONS = new Map<z.core.$ZodType, string>([
  // deskbridge.yaml
  [DaemonConfig, 'deskbridge daemon configuration (deskbridge.yaml). String values may read the environment with `${NAME}` or `${NAME:-default}`; relative paths are relative to this file.'],
  [DaemonConfig.shape.state, 'SQLite file holding watermarks, the ledger, ticket state and the outbox.'],
  [DaemonConfig.shape.state.unwrap().shape.path, 'Path of the SQLite state file. Dry-run sources use a separate `.dry-run.db` next to it.'],
  [DaemonConfig.shape.rules, 'Rules folder (every rules file in it) or a single rules file.'],
  [
    DaemonConfig.shape.mappings,
    `Folder with the \`<name>.inbound.jsonata\` / \`<name>.outbound.jsonata\` mappings (${mappingNames()
      .map((name) => `\`${name}\``)
      .join(', ')}). Unset: a \`mappings/\` folder next to this file if there is one, else the mappings shipped with deskbridge.`,
  ],
  [DaemonConfig.shape.dryRun, "Plan and log every write, send none. A source's own `dryRun` overrides this."],
  [DaemonConfig.shape.log, 'Logging. Secrets taken from the environment are redacted.'],
  [LogConfig.shape.level, 'Least severe level written.'],
  [LogConfig.shape.format, '`json` (one object per line) or `pretty` (for people).'],
  [LogConfig.shape.file, 'Also write the log to this file.'],
  [DaemonConfig.shape.metrics, 'Prometheus `/metrics` and `/healthz` on this port (127.0.0.1 unless `host` says otherwise); off when unset.'],
  [DaemonConfig.shape.metrics.unwrap().shape.host, 'Address to listen on.'],
  [
    DaemonConfig.shape.console,
    'The web console: overview of every source, outbox and quarantine with retry, ticket timelines with a live explain, rules and reloads, help-desk and QA reports. Off when unset.',
  ],
  [ConsoleConfig.shape.port, 'Port to listen on (0: any free port, printed at start).'],
  [ConsoleConfig.shape.host, 'Address to listen on; any address but 127.0.0.1, ::1 or localhost needs `auth`.'],
  [ConsoleConfig.shape.auth, 'Credentials for signing in, from the environment: required for retrying writes or quarantined records. Never shown on a page or in a log.'],
  [ConsoleAuth.shape.token, 'A bearer token (at least 16 characters), e.g. `${DESKBRIDGE_CONSOLE_TOKEN}`: scripts send `Authorization: Bearer <token>`; people paste it into the sign-in form.'],
  [ConsoleAuth.shape.username, 'User name for signing in with a password (also accepted as HTTP Basic credentials from scripts).'],
  [ConsoleAuth.shape.password, 'Password (at least 12 characters), e.g. `${DESKBRIDGE_CONSOLE_PASSWORD}`.'],
  [
    ConsoleConfig.shape.behindProxy,
    'A reverse proxy (TLS) forwards to the console: the client address, scheme and host come from its X-Forwarded-* headers, session cookies are Secure over https, and every page needs a sign-in. Keep `host` on 127.0.0.1 so only the proxy reaches it.',
  ],
  [ConsoleConfig.shape.readAccess, '`open`: anyone who reaches the console reads its pages; `signed-in`: pages need a sign-in too. Default: open on 127.0.0.1, signed-in on any other address.'],
  [DaemonConfig.shape.outbox, 'The durable queue of planned writes.'],
  [DaemonConfig.shape.outbox.unwrap().shape.concurrency, 'Outbox writes executed at once.'],
  [DaemonConfig.shape.outbox.unwrap().shape.maxAttempts, 'Attempts before a failing write is dead-lettered (429s and open circuits do not count).'],
  [
    DaemonConfig.shape.limits,
    'Bounds of every rule and mapping evaluation. A rule that breaks one fails for that ticket (logged, counted in `deskbridge_evaluation_limits_total`); a mapping that breaks one quarantines the record.',
  ],
  [DaemonConfig.shape.limits.unwrap().shape.evaluationMs, 'Wall-clock budget of one evaluation (a condition, a template placeholder, a mapping), in milliseconds.'],
  [DaemonConfig.shape.limits.unwrap().shape.depth, 'Maximum evaluation depth (nesting plus calls not in tail position); stops endless recursion.'],
  [DaemonConfig.shape.limits.unwrap().shape.sequence, 'Maximum length of one sequence, e.g. a range `[1..n]`.'],
  [DaemonConfig.shape.sources, `The platforms to sync: ${inWords(PLATFORMS.map((platform) => `${platform.title} (\`platform: ${platform.id}\`)`))}.`],
  [RateLimit.shape.concurrency, 'Requests in flight at once.'],
  [RetryPolicy.shape.baseDelayMs, 'First backoff delay; doubles with each retry up to `maxDelayMs`.'],
  [RetryPolicy.shape.maxDelayMs, 'Longest backoff delay.'],
  [RetryPolicy.shape.maxRetryAfterSeconds, 'A Retry-After longer than this fails the request instead of stalling the source.'],
  [RetryPolicy.shape.timeoutMs, 'Timeout of one request.'],
  [RetryPolicy.shape.breakerThreshold, 'Requests failing in a row (after their retries) before the source stops calling the platform for a while; default 5.'],
  [RetryPolicy.shape.breakerCooldownSeconds, 'How long the circuit stays open first (default 30 s); doubles while the platform keeps failing (max 10 minutes).'],
  // sources: each platform describes its own (PlatformDescriptor.sourceDescriptions)
  ...PLATFORMS.flatMap((platform) => platform.sourceDescriptions),

  // rules files
  [RulesFile, 'deskbridge rules file: rules evaluated in order for every new or changed ticket, and tests of them. Check with `deskbridge validate`, run the tests with `deskbridge test`.'],
  [RulesFile.shape.rules, 'Evaluated in order; the first rule that matches and applies wins (unless it says `continue: true`).'],
  [RulesFile.shape.tests, 'Example tickets and the actions the rules above must take; run with `deskbridge test`.'],
  [RoutingRule, 'Assigns matching tickets to a group, and optionally a person, with an optional note.'],
  [RoutingRule.shape.id, 'Unique rule id; every action the rule plans carries it.'],
  [RoutingRule.shape.description, 'What the rule is for, in words.'],
  [RoutingRule.shape.enabled, 'Set to false to switch the rule off.'],
  [RoutingRule.shape.when, 'JSONata condition over the canonical ticket; a truthy result means the rule applies.'],
  [RoutingRule.shape.scope, 'Restricts the rule to some sources and/or assignment groups.'],
  [RuleScope.shape.sources, 'Source ids this rule applies to; unset = every source.'],
  [RuleScope.shape.groups, 'Assignment groups: the rule applies only to tickets currently in one of them (the group an earlier rule gave counts); unset = any group or none.'],
  [RoutingRule.shape.assign, 'Where matching tickets go.'],
  [RoutingRule.shape.assign.shape.strategy, '`fixed`: the group (and `assignee` when given); `round-robin`: `members` in turn; `least-loaded`: the member with the fewest open tickets.'],
  [RoutingRule.shape.assign.shape.assignee, 'Fixed person (strategy `fixed`).'],
  [RoutingRule.shape.assign.shape.members, 'People to pick from (strategies `round-robin`, `least-loaded`).'],
  [RoutingRule.shape.note, 'A comment written with the assignment.'],
  [NoteSpec.shape.visibility, 'Who may read the comment: `internal` is a work note, `public` is visible to the requester.'],
  [NoteSpec.shape.template, 'Text with `{{ jsonata }}` placeholders evaluated over the ticket, `$group`, `$assignee`, `$rule`.'],
  [RoutingRule.shape.continue, 'Keep evaluating later rules after this one matched.'],
  [
    RoutingRule.shape.override,
    'Reassign tickets that already have a group — only when `when` newly becomes true for the ticket (false at its previous judgement, or never judged by this rule): a person who moves the ticket afterwards is not overruled for the same trigger.',
  ],
  [RoutingRule.shape.once, 'Apply at most once per ticket, ever.'],
  [
    EscalateRule,
    "Opens a linked copy of a matching ticket on another source (a developers' Jira project, another desk's ServiceNow), once per ticket and rule, with a work note naming it; then keeps the two in step (comments, resolution).",
  ],
  [EscalateRule.shape.to, 'Id of the configured source the copy is opened on (ServiceNow, Jira, Zendesk or Freshservice).'],
  [EscalateRule.shape.copy, 'The copy opened on `to`.'],
  [ESCALATE_COPY.shape.container, "Jira project key or ServiceNow table; unset = the target source's default (Jira: its first project; ServiceNow: incident)."],
  [ESCALATE_COPY.shape.issueType, 'Jira issue type (default Task).'],
  [ESCALATE_COPY.shape.title, '`{{ }}` template over the original ticket.'],
  [ESCALATE_COPY.shape.description, '`{{ }}` template over the original ticket; keep a link back in it.'],
  [ESCALATE_COPY.shape.priority, "JSONata over the original ticket giving 1 (critical) … 5; unset = the original's priority."],
  [ESCALATE_COPY.shape.labels, "Labels (Jira) the copy gets besides deskbridge's own."],
  [EscalateRule.shape.note, 'The work note left on the original.'],
  [EscalateRule.shape.note.unwrap().shape.body, "The work note left on the original; deskbridge adds the copy's number and link. `$to` is the target source id."],
  [EscalateRule.shape.sync, 'Keeping the two in step once the copy exists.'],
  [ESCALATE_SYNC.shape.comments, "Which comments are copied between the original and the copy (deskbridge's own never)."],
  [
    ESCALATE_COMMENTS.shape.fromOriginal,
    'Comments on the original copied to the copy (default: those carrying `tag`, so the desk chooses what developers see): `none`, `tagged`, `public`, `internal` or `all`.',
  ],
  [ESCALATE_COMMENTS.shape.fromCopy, 'Comments on the copy copied to the original (default: all of them, as internal notes): `none`, `tagged`, `public`, `internal` or `all`.'],
  [ESCALATE_COMMENTS.shape.tag, 'The text that marks a comment to share (for `tagged`; any case).'],
  [ESCALATE_COMMENTS.shape.toOriginal, 'Visibility of the copies of comments posted on the original (default internal: a work note).'],
  [ESCALATE_COMMENTS.shape.toCopy, 'Visibility of the copies posted on the copy (default public: on a Jira software project every comment is).'],
  [ESCALATE_COMMENTS.shape.body, '`{{ }}` template of a mirrored comment: `$comment` (author, at, body), `$from` (number, url).'],
  [ESCALATE_SYNC.shape.priority, "`toCopy` (default): a person changing the original's priority changes the copy's; `none`: the copy keeps its own."],
  [ESCALATE_SYNC.shape.copyResolved, 'The copy was resolved or closed: a note on the original, and (`set`) resolve it.'],
  [ESCALATE_COPY_RESOLVED.shape.body, '`{{ }}` template over the copy of the note written on the original; `$copy` and `$original` (number, url).'],
  [
    ESCALATE_COPY_RESOLVED.shape.set,
    'Native or canonical fields to set on the original, each a `{{ }}` template over the copy (ServiceNow `state`, `close_code`, `close_notes`; Jira `status` = a transition).',
  ],
  [ESCALATE_SYNC.shape.originalClosed, 'The original was resolved, closed or cancelled: a note on the copy, and (`set`) close it.'],
  [ESCALATE_ORIGINAL_CLOSED.shape.body, '`{{ }}` template over the original of the note written on the copy; `$copy` and `$original` (number, url).'],
  [
    ESCALATE_ORIGINAL_CLOSED.shape.set,
    'Native or canonical fields to set on the copy, each a `{{ }}` template over the original (ServiceNow `state`, `close_code`, `close_notes`; Jira `status` = a transition).',
  ],
  [RuleTest, 'An example ticket, optional prior state, and what the rules in the same file must do with it.'],
  [RuleTest.shape.name, 'Test name, shown in the `deskbridge test` report.'],
  [RuleTest.shape.source, 'Source id the ticket comes from (for `scope.sources`); default `test`.'],
  [
    RuleTest.shape.ticket,
    'The ticket: canonical fields (`title`, `category`, `priority`, `group`, …, and `raw` for native fields). Fields left out get neutral defaults (a new, unassigned P3 incident).',
  ],
  [RuleTest.shape.state, 'State before the ticket arrives: round-robin positions per rule, open tickets per person.'],
  [RuleTest.shape.state.unwrap().shape.roundRobin, 'Rule id → position in its `members` rotation.'],
  [RuleTest.shape.state.unwrap().shape.openTickets, 'Person → open tickets (for `least-loaded`).'],
  [
    RuleTest.shape.state.unwrap().shape.triggered,
    "Rules whose trigger was already seen: the ticket was judged before, as it is now, and these rules' `when` held then — an `override` rule is held back.",
  ],
  [RuleTest.shape.state.unwrap().shape.applied, 'Rules that already wrote to the ticket (a `once` rule does not again).'],
  [
    RuleTest.shape.linked,
    'The ticket is one end of an escalation an `escalate` rule of this file made earlier: its new comments and its status are planned into writes to the other end, as the daemon does, next to what the rules decide. Expect those writes with `on: <other.number>`, e.g. `{ type: comment, on: DEV-42, bodyContains: Root cause }`. The ticket counts as seen before, and as the original its escalate rule already applied to it (it is not escalated again).',
  ],
  [LinkedEscalation.shape.as, "Which end the test's ticket is: `original` (the ticket that was escalated) or `copy` (the copy deskbridge opened)."],
  [LinkedEscalation.shape.rule, 'Id of the `escalate` rule in this file that made the escalation; its `sync` settings apply.'],
  [LinkedEscalation.shape.other, 'The ticket at the other end: `source` (its source id), `number`, and optionally `nativeId` (default the number), `pulled` and `status`.'],
  [LinkedEscalation.shape.other.shape.source, 'Id of the source the other ticket is on.'],
  [LinkedEscalation.shape.other.shape.number, 'Its number, as people see it (`DEV-42`, `INC0012345`); expect writes to it with `on:` this number.'],
  [LinkedEscalation.shape.other.shape.nativeId, 'Its id on the platform (Jira issue id, ServiceNow sys_id); default the number.'],
  [LinkedEscalation.shape.other.shape.status, 'Its status as deskbridge last pulled it (default open): an end that is done already is not told the other is.'],
  [LinkedEscalation.shape.other.shape.pulled, 'Whether deskbridge has pulled it before (default true); when not, its fields are not set (`set:`), only notes are written.'],
  [LinkedEscalation.shape.escalatedAt, "When the copy was opened (ISO; default the ticket's `createdAt`). The comments listed are those the daemon would read: since the ticket's previous version."],
  [
    LinkedEscalation.shape.previousStatus,
    "The ticket's status when deskbridge saw it before: a change into resolved, closed or cancelled is what tells the other end (`sync.copyResolved`, `sync.originalClosed`). Unset = its status now (no change).",
  ],
  [LinkedEscalation.shape.ownWrite, "This version of the ticket is deskbridge's own write (e.g. it resolved the ticket itself): its status is not sent back, and rules do not judge it."],
  [LinkedEscalation.shape.comments, 'Comments on the ticket since deskbridge last saw it, oldest first: `author`, `body`, and optionally `at`, `visibility`, `own`.'],
  [LinkedComment.shape.author, 'Who wrote it, as a person reads it.'],
  [LinkedComment.shape.at, "When it was written (ISO); default the ticket's `updatedAt` (the comment came with this version)."],
  [LinkedComment.shape.body, "The comment's text; with `sync.comments.fromOriginal/fromCopy: tagged`, only text carrying the tag is shared."],
  [LinkedComment.shape.visibility, '`internal` (a work note, the default) or `public` (visible to the requester).'],
  [LinkedComment.shape.own, 'Written by deskbridge itself (its integration user): never mirrored back.'],
  [RuleTest.shape.expect, '`actions` (the actions the rules must take) or `noActions: true`.'],
  [RuleTest.shape.expect.options[0].shape.exact, 'true: exactly these actions, in order, nothing else; false: these in order, others allowed between them.'],
  [RuleTest.shape.expect.options[1].shape.noActions, 'The rules must take no action on this ticket.'],
  [ExpectedAction, "An expected action. Matching is by the fields given: leave a field out and any value passes; `bodyContains` checks a comment's text without pinning all of it."],
]);

/** Extra keywords of the document root. */
interface DocumentMeta {
  id: string;
  title: string;
  /** Let pattern/format/enum string fields hold `${ENV}` references (deskbridge.yaml only). */
  envReferences: boolean;
}

function generate(schema: z.ZodType, meta: DocumentMeta): JsonSchema {
  const json = z.toJSONSchema(schema, {
    target: 'draft-07',
    io: 'input',
    unrepresentable: 'throw',
    override: ({ zodSchema, jsonSchema }) => {
      const description = DESCRIPTIONS.get(zodSchema);
      if (description !== undefined) jsonSchema.description = description;
    },
  });
  const cleaned = visitSchemas(json, dropSafeIntegerBounds);
  const withEnv = meta.envReferences ? visitSchemas(cleaned, allowEnvReference) : cleaned;
  return canonicalOrder({ ...withEnv, $id: new URL(meta.id, SCHEMA_BASE_URL).href, title: meta.title });
}

/** JSON Schema for `deskbridge.yaml` (`DaemonConfig`). */
export function daemonConfigJsonSchema(): JsonSchema {
  return generate(DaemonConfig, { id: 'deskbridge.schema.json', title: 'deskbridge configuration', envReferences: true });
}

/** JSON Schema for rules files (`RulesFile`, with `tests:`). */
export function rulesFileJsonSchema(): JsonSchema {
  return generate(RulesFile, { id: 'rules.schema.json', title: 'deskbridge rules file', envReferences: false });
}

export function teamFileJsonSchema(): JsonSchema {
  return generate(TeamFile, { id: 'team.schema.json', title: 'deskbridge team file', envReferences: false });
}

/** The files `scripts/generate-schemas.ts` writes, relative to the repository root. */
export const SCHEMA_FILES: readonly { path: string; build: () => JsonSchema }[] = [
  { path: 'schemas/deskbridge.schema.json', build: daemonConfigJsonSchema },
  { path: 'schemas/rules.schema.json', build: rulesFileJsonSchema },
  { path: 'schemas/team.schema.json', build: teamFileJsonSchema },
];

/** Two-space JSON with a final newline: the committed form, byte for byte. */
export function renderJsonSchema(schema: JsonSchema): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

// --- tree walking -------------------------------------------------------------------------------

type Rewrite = (node: JsonSchema, role: 'value' | 'key') => JsonSchema;

const SCHEMA_MAPS = ['properties', 'definitions', '$defs', 'patternProperties'] as const;
const SCHEMA_SINGLES = ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains'] as const;
const SCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf'] as const;

/**
 * Rebuilds the tree bottom-up, applying `rewrite` to every subschema. `role` is `key` under
 * `propertyNames` (object keys are never interpolated), `value` everywhere else.
 */
function visitSchemas(node: JsonSchema, rewrite: Rewrite, role: 'value' | 'key' = 'value'): JsonSchema {
  const out: Record<string, unknown> = { ...node };
  for (const key of SCHEMA_MAPS) {
    const map = node[key] as Record<string, JsonSchema> | undefined;
    if (map !== undefined) out[key] = Object.fromEntries(Object.entries(map).map(([name, child]) => [name, visitSchemas(child, rewrite, role)]));
  }
  for (const key of SCHEMA_SINGLES) {
    const child = node[key];
    if (isSchemaObject(child)) out[key] = visitSchemas(child, rewrite, role);
  }
  for (const key of SCHEMA_LISTS) {
    const list = node[key];
    if (Array.isArray(list)) out[key] = list.map((child: JsonSchema) => visitSchemas(child, rewrite, role));
  }
  if (isSchemaObject(node.propertyNames)) out['propertyNames'] = visitSchemas(node.propertyNames, rewrite, 'key');
  return rewrite(out, role);
}

function isSchemaObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** zod bounds every `.int()` by ±2^53−1; that is noise in an editor's hover. */
function dropSafeIntegerBounds(node: JsonSchema): JsonSchema {
  const { maximum, minimum, ...rest } = node;
  return {
    ...rest,
    ...(minimum !== undefined && minimum !== Number.MIN_SAFE_INTEGER ? { minimum } : {}),
    ...(maximum !== undefined && maximum !== Number.MAX_SAFE_INTEGER ? { maximum } : {}),
  };
}

/**
 * `baseUrl: ${SN_URL}`, `level: ${LOG_LEVEL:-info}`: a constrained string field also accepts a
 * string holding a reference; the loader checks the expanded value. Description and default
 * stay on the outer schema so hover and completion still show them.
 */
function allowEnvReference(node: JsonSchema, role: 'value' | 'key'): JsonSchema {
  const constrained = node.pattern !== undefined || node.format !== undefined || node.enum !== undefined;
  if (role === 'key' || node.type !== 'string' || node.const !== undefined || !constrained) return node;
  const { description, default: fallback, ...literal } = node;
  return {
    ...(description !== undefined ? { description } : {}),
    ...(fallback !== undefined ? { default: fallback } : {}),
    anyOf: [literal, { type: 'string', pattern: ENV_REFERENCE_PATTERN }],
  };
}

/** Keyword order for every schema object; anything else follows alphabetically. */
const KEYWORD_ORDER = [
  '$schema',
  '$id',
  '$ref',
  'title',
  'description',
  'type',
  'const',
  'enum',
  'default',
  'format',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'exclusiveMinimum',
  'maximum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'uniqueItems',
  'items',
  'properties',
  'required',
  'propertyNames',
  'patternProperties',
  'additionalProperties',
  'anyOf',
  'oneOf',
  'allOf',
  'not',
  'if',
  'then',
  'else',
  'definitions',
  '$defs',
];
const rank = (key: string): number => {
  const index = KEYWORD_ORDER.indexOf(key);
  return index === -1 ? KEYWORD_ORDER.length : index;
};

/**
 * Stable keyword order, so regenerating never reorders the committed file. Property names keep
 * their declaration order (the order completion offers them in); values (`default`, `const`,
 * `enum`, `required`) are data and stay as they are.
 */
function canonicalOrder(node: JsonSchema): JsonSchema {
  const sortNode = (n: JsonSchema): JsonSchema => {
    const out: Record<string, unknown> = {};
    const keys = Object.keys(n).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
    for (const key of keys) out[key] = n[key];
    return out;
  };
  return visitSchemas(node, sortNode);
}
