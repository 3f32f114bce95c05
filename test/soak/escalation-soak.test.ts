import Database from 'better-sqlite3';
import { copyFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32, type FaultConfig } from '../../src/sandbox/faults.js';
import { adfToText, JiraStore, seedFixtures, type JiraSandbox, type StoredComment, type StoredIssue } from '../../src/sandbox/jira/index.js';
import type { ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import { useE2e, type E2eHarness } from '../helpers/e2e.js';
import { jiraWrites } from '../helpers/jira-env.js';
import { MAPPINGS, REPO, SEEDED_HISTORY_START, writesIn } from '../helpers/sandbox-env.js';

/**
 * The escalation crash soak: a ServiceNow desk escalating to the developers' Jira (Cloud, then Data
 * Center), both sandboxes failing 10% of requests (after the write applied for half of the write
 * faults), `deskbridge run --once` child processes SIGKILLed after a random number of their own
 * API requests, KILLS times, while the test plays people on both sides between runs: developers
 * comment on copies and resolve some, agents leave tagged (`#dev`, shared) and untagged work notes.
 * Then clean passes until quiet. The end state must be what the rule promises, however the work
 * was cut up: one copy per matching incident (none for the others) with one link back, one
 * announcement per incident, every shared comment once on the other side, nothing echoed (and no
 * untagged note crossing), every resolved copy's incident resolved with one note, an empty outbox.
 */

process.env['E2E_SN_PASSWORD'] = 'deskbridge';
process.env['E2E_JIRA_TOKEN'] = 'deskbridge';

const RULES = join(REPO, 'test', 'fixtures', 'e2e', 'rules-escalate');
// Replay and exploration aids: SOAK_SEED varies the faults, the kill points and the people's
// choices (the default is what CI runs); SOAK_LOG_DIR keeps each CLI run's log lines there, and
// at the end the state file and a dump of both sides (journals, comments, request and fault logs).
const SEED = Number(process.env['SOAK_SEED'] ?? 0);
const KILLS = 10;
const MATCHING = 12;
const TAG = '#dev';

function faults(seed: number): FaultConfig {
  return {
    rate: 0.1,
    seed,
    kinds: ['server-error', 'rate-limit', 'timeout', 'reset', 'slow', 'truncated-json', 'malformed-json'],
    afterApplyShare: 0.5,
    retryAfterSeconds: 1,
    timeoutMs: null,
    slowMs: 200,
  };
}

/** Matching titles ("checkout"), and a few the rule leaves alone. */
const CHECKOUT_PROBLEMS = [
  'Checkout fails with error 500',
  'Checkout button does nothing on mobile',
  'Checkout shows the wrong currency',
  'Checkout times out with a coupon',
  'Checkout page blank in Safari',
  'Guest checkout asks for a password',
  'Checkout total ignores the discount',
  'Checkout loops back to the cart',
  'Express checkout declines valid cards',
  'Checkout address form loses the postcode',
  'Checkout sends two confirmation mails',
  'Checkout spinner never stops',
];
const OTHER_PROBLEMS = ['Printer out of toner', 'VPN drops every hour', 'New laptop for Maria', 'Password reset for the payroll app'];

/** A deskbridge.yaml with the ServiceNow desk, the developers' Jira and the escalate rule; short timeouts, small pages. */
function writeEscalationConfig(e2e: E2eHarness, snow: ServiceNowSandbox, jira: JiraSandbox): string {
  const path = join(e2e.tempDir('deskbridge-escsoak-'), 'deskbridge.yaml');
  const retry = '    retry: { maxRetries: 6, baseDelayMs: 50, maxDelayMs: 1000, timeoutMs: 400, breakerCooldownSeconds: 1 }';
  writeFileSync(
    path,
    [
      'state: { path: ./state.db }',
      `rules: ${JSON.stringify(RULES)}`,
      `mappings: ${JSON.stringify(MAPPINGS)}`,
      `log: { level: ${process.env['SOAK_LOG_LEVEL'] ?? 'info'}, format: json }`,
      'sources:',
      '  - id: sandbox-snow',
      '    platform: servicenow',
      `    baseUrl: ${snow.url}`,
      '    auth: { type: basic, username: deskbridge, password: "${E2E_SN_PASSWORD}" }',
      `    actFrom: "${SEEDED_HISTORY_START}"`,
      '    firstLivePass: { maxWrites: off }',
      '    overlapSeconds: 60',
      // Small pages: more checkpoints for a kill to land between.
      '    pageSize: 5',
      '    rateLimit: { requestsPerMinute: 60000, concurrency: 4 }',
      retry,
      '  - id: sandbox-jira',
      '    platform: jira',
      `    flavour: ${jira.flavour}`,
      `    baseUrl: ${jira.url}`,
      '    jql: project in (HADOOP)',
      `    auth: { type: basic, username: ${jira.flavour === 'cloud' ? 'deskbridge@example.com' : 'deskbridge'}, password: "\${E2E_JIRA_TOKEN}" }`,
      '    groupField: customfield_10001',
      `    actFrom: "${SEEDED_HISTORY_START}"`,
      '    firstLivePass: { maxWrites: off }',
      '    overlapSeconds: 60',
      '    pageSize: 5',
      '    rateLimit: { requestsPerMinute: 60000, concurrency: 4 }',
      retry,
      '',
    ].join('\n'),
  );
  return path;
}

function jiraText(body: StoredComment['body']): string {
  return body.kind === 'adf' ? adfToText(body.doc) : body.text;
}

function count(texts: readonly string[], needle: string): number {
  return texts.filter((t) => t.includes(needle)).length;
}

/** One comment a person wrote: on which pair, a unique token in its text, and when (ms). */
interface Said {
  number: string;
  text: string;
  at: number;
}

interface Pair {
  number: string;
  sysId: string;
}

/** What the people did, to check the end state against. */
interface Script {
  /** Developer comments on a copy (by incident number, with when): each must reach the incident once. */
  fromCopy: Said[];
  /** `#dev` work notes on an incident: each must reach its copy once. */
  tagged: Said[];
  /** Work notes without the tag: never on the copy. */
  untagged: Said[];
  /** Incidents whose copy a developer resolved, and when. */
  resolved: Map<string, number>;
  log: string[];
}

interface OutboxRow {
  status: string;
  n: number;
}
interface LinkRow {
  origin_number: string;
  copy_number: string;
  created_at: string;
}

/** The state file read-only, once no daemon runs: outbox entries by status, and the escalation links. */
function readState(configPath: string): { outbox: Record<string, number>; links: LinkRow[]; stuck: string[] } {
  const db = new Database(join(dirname(configPath), 'state.db'), { readonly: true, fileMustExist: true });
  try {
    const outbox: Record<string, number> = {};
    for (const row of db.prepare('SELECT status, count(*) AS n FROM outbox GROUP BY status').all() as OutboxRow[]) outbox[row.status] = row.n;
    const links = db.prepare('SELECT origin_number, copy_number, created_at FROM escalation_links ORDER BY origin_number').all() as LinkRow[];
    const stuck = (
      db.prepare("SELECT status || ' ' || action_type || ' ' || ticket_key || ': ' || coalesce(last_error, '') AS line FROM outbox WHERE status != 'done'").all() as { line: string }[]
    ).map((r) => r.line);
    return { outbox, links, stuck };
  } finally {
    db.close();
  }
}

describe.each(['cloud', 'datacenter'] as const)('escalation crash soak, ServiceNow ↔ Jira %s', (flavour) => {
  const e2e = useE2e();

  it(`ends, after ${KILLS} SIGKILLs at random points under 10% injected faults on both sides, with one copy per incident and every shared comment once`, async () => {
    const started = Date.now();
    const salt = flavour === 'cloud' ? 0 : 1000;
    const snow = await e2e.serviceNow({}, { faults: faults(20261207 + SEED + salt) });
    const jiraStore = new JiraStore({ flavour });
    seedFixtures(jiraStore);
    const jira = await e2e.jiraOn({ flavour, store: jiraStore, faults: faults(20261208 + SEED + salt) });
    const developer = jiraStore.users().find((u) => !u.displayName.toLowerCase().includes('deskbridge'));
    if (!developer) throw new Error('the Jira sandbox has no developer');

    const insert = (title: string): Pair => {
      const record = snow.store.insert('incident', { short_description: title, description: `${title} since this morning`, urgency: '1', impact: '2' }, 'alice');
      return { number: record['number'] ?? '', sysId: record['sys_id'] ?? '' };
    };
    const matching = CHECKOUT_PROBLEMS.slice(0, MATCHING).map(insert);
    const others = OTHER_PROBLEMS.map(insert);

    const copies = (): StoredIssue[] => jiraStore.list().filter((i) => i.labels.some((l) => l.startsWith('deskbridge-esc-')));
    const copiesOf = (number: string): StoredIssue[] => copies().filter((i) => i.summary.startsWith(`${number}:`));
    // Seeded, so a failing run can be replayed: the kill points, and (apart) the people's choices.
    const random = mulberry32((flavour === 'cloud' ? 17 : 19) + SEED);
    const choose = mulberry32((flavour === 'cloud' ? 23 : 29) + SEED);
    const script: Script = { fromCopy: [], tagged: [], untagged: [], resolved: new Map(), log: [] };
    let serial = 0;

    /** Incidents with a copy in Jira not resolved by the test, in a seeded order. */
    const live = (): Pair[] => {
      const out = matching.filter((p) => !script.resolved.has(p.number) && copiesOf(p.number).length > 0);
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(choose() * (i + 1));
        const a = out[i];
        const b = out[j];
        if (a && b) [out[i], out[j]] = [b, a];
      }
      return out;
    };
    /** People on both sides: a developer comment on the copy, a `#dev` and a plain work note on the incident. */
    const converse = (run: number, pairs: number): void => {
      for (const pair of live().slice(0, pairs)) {
        const copy = copiesOf(pair.number)[0];
        if (!copy) continue;
        const n = ++serial;
        const at = Date.now();
        const dev = `Dev finding ${n} on ${copy.key}: the cart service times out (c${n})`;
        const shared = `${TAG} customer adds detail ${n} (t${n})`;
        const plain = `called the customer back about ${n} (u${n})`;
        jiraStore.addComment(copy.id, { body: dev }, developer.accountId);
        snow.store.update('incident', pair.sysId, { work_notes: shared }, 'alice');
        snow.store.update('incident', pair.sysId, { work_notes: plain }, 'alice');
        script.fromCopy.push({ number: pair.number, text: `(c${n})`, at });
        script.tagged.push({ number: pair.number, text: `(t${n})`, at });
        script.untagged.push({ number: pair.number, text: `(u${n})`, at });
        script.log.push(`after run ${run}: comments ${n} on ${pair.number}/${copy.key}`);
      }
    };
    /** A developer resolves copies. */
    const resolve = (run: number, pairs: number): void => {
      for (const pair of live().slice(0, pairs)) {
        const copy = copiesOf(pair.number)[0];
        const transition = copy ? jiraStore.transitions(copy.id).find((t) => t.name === 'Resolve Issue') : undefined;
        if (!copy || !transition) continue;
        jiraStore.transition(copy.id, transition.id, developer.accountId);
        script.resolved.set(pair.number, Date.now());
        script.log.push(`after run ${run}: resolved ${copy.key} (${pair.number})`);
      }
    };
    // What the people do after a run (by run number): talk, and resolve some copies.
    const after = (run: number): void => {
      if (run === 2 || run === 4 || run === 6 || run === 8 || run === KILLS + 1) converse(run, 3);
      if (run === 5 || run === 9 || run === KILLS + 1) resolve(run, run === 9 ? 2 : 1);
    };

    const configPath = writeEscalationConfig(e2e, snow, jira);
    const requests = (): number => snow.requestLog.length + jira.requestLog.length;
    const writes = (): number => writesIn(snow) + jiraWrites(jira);
    let kills = 0;
    let runs = 0;
    let lastOutput = '';
    const keep = (output: string): void => {
      lastOutput = output;
      if (process.env['SOAK_LOG_DIR']) writeFileSync(join(process.env['SOAK_LOG_DIR'], `escalation-${flavour}-${runs}.log`), output);
    };

    // Killed after a random number (3–42) of its own API requests on either side: in a pull, a
    // comment read, the copy's creation, its link, the announcement or a mirrored comment.
    while (kills < KILLS && runs < KILLS + 20) {
      runs++;
      const spawned = e2e.spawnCli(['run', '--once', '--config', configPath]);
      const start = requests();
      const budget = 3 + Math.floor(random() * 40);
      let done = false;
      void spawned.exited.then(() => {
        done = true;
      });
      while (!done && requests() - start < budget) await new Promise((r) => setTimeout(r, 2));
      if (!done) {
        spawned.child.kill('SIGKILL');
        kills++;
      }
      await spawned.exited;
      keep(spawned.output());
      after(runs);
    }

    // To the end: clean passes (faults off), with the people's last round in between, until a
    // pass writes nothing and the last scripted moment is behind.
    snow.setFaults(null);
    jira.setFaults(null);
    let quiet = false;
    let clean = 0;
    let failed: string | undefined;
    while (!quiet && clean < 8 && failed === undefined) {
      runs++;
      clean++;
      const before = writes();
      const spawned = e2e.spawnCli(['run', '--once', '--config', configPath]);
      const code = await spawned.exited;
      keep(spawned.output());
      if (code !== 0) failed = `run ${runs} exited with ${code}`;
      const said = script.log.length;
      after(runs);
      // Quiet: this pass wrote nothing, and the people did nothing after it.
      quiet = writes() === before && script.log.length === said && runs > KILLS + 2;
    }

    const state = readState(configPath);
    const logDir = process.env['SOAK_LOG_DIR'];
    if (logDir) {
      // For a post-mortem: the state file, both request logs and what each side shows.
      copyFileSync(join(dirname(configPath), 'state.db'), join(logDir, `escalation-${flavour}-state.db`));
      const sides = matching.map((p) => ({
        ...p,
        copy: copiesOf(p.number).map((c) => c.key),
        notes: snow.store.journal(p.sysId).map((j) => `${j.sys_created_on} ${j.sys_created_by} ${j.element}: ${j.value}`),
        comments: copiesOf(p.number).flatMap((c) => jiraStore.comments(c.id).map((m) => `${new Date(m.created).toISOString()} ${m.author}: ${jiraText(m.body)}`)),
      }));
      writeFileSync(
        join(logDir, `escalation-${flavour}-end.json`),
        JSON.stringify({ script: script.log, sides, snowRequests: snow.requestLog, jiraRequests: jira.requestLog, snowFaults: snow.faultLog, jiraFaults: jira.faultLog }, null, 1),
      );
    }
    const faultsInjected = snow.faultLog.length + jira.faultLog.length;
    const faultsAfter = [...snow.faultLog, ...jira.faultLog].filter((f) => f.phase === 'after').length;
    process.stdout.write(
      `escalation ${flavour} (seed ${SEED}): ${runs} runs, ${kills} kills, ${faultsInjected} faults injected (${faultsAfter} after the write applied), ${requests()} requests, ${writes()} writes (ServiceNow ${writesIn(snow)}, Jira ${jiraWrites(jira)}), ${copies().length} copies, ${script.fromCopy.length} conversations, ${script.resolved.size} resolved, ${Math.round((Date.now() - started) / 1000)} s\n`,
    );
    const context = `seed ${SEED}, ${flavour}\n${script.log.join('\n')}`;
    expect(kills, context).toBe(KILLS);
    expect(failed, `${context}\n${lastOutput.slice(-3000)}`).toBeUndefined();
    expect(quiet, `${context}\n${lastOutput.slice(-3000)}`).toBe(true);
    expect(faultsInjected).toBeGreaterThan(10);
    expect(faultsAfter).toBeGreaterThan(0);
    // The people did talk and resolve (else this soak would prove little).
    expect(script.fromCopy.length, context).toBeGreaterThanOrEqual(6);
    expect(script.resolved.size, context).toBeGreaterThanOrEqual(2);

    // Exactly one copy per matching incident, each linked back once; none for the others.
    expect(Object.fromEntries(matching.map((p) => [p.number, copiesOf(p.number).map((c) => c.key)])), context).toEqual(Object.fromEntries(matching.map((p) => [p.number, [expect.any(String)]])));
    for (const pair of others) expect(copiesOf(pair.number), pair.number).toEqual([]);
    expect(copies()).toHaveLength(MATCHING);
    for (const pair of matching) {
      const copy = copiesOf(pair.number)[0];
      expect(
        jiraStore.remoteLinks(copy?.id ?? '').map((l) => l.object.title),
        `${pair.number} ${copy?.key}`,
      ).toEqual([pair.number]);
    }
    expect(
      state.links.map((l) => `${l.origin_number} ${l.copy_number}`),
      context,
    ).toEqual(matching.map((p) => `${p.number} ${copiesOf(p.number)[0]?.key ?? '?'}`).sort());

    // Per incident: one announcement naming its copy; the shared comments once each way; no echoes.
    const problems: string[] = [];
    const iso = (ms: number): string => new Date(ms).toISOString();
    for (const pair of matching) {
      const copy = copiesOf(pair.number)[0];
      const key = copy?.key ?? '?';
      const at = `${pair.number}/${key}`;
      const linkAt = state.links.find((l) => l.origin_number === pair.number)?.created_at ?? '?';
      /** Why a comment may be missing: written before deskbridge recorded the link (a crash between the copy's creation and the write's completion). */
      const when = (said: Said): string => `written ${iso(said.at)}, link recorded ${linkAt}${iso(said.at) < linkAt ? ', i.e. before the link was recorded' : ''}`;
      const notes = snow.store.journal(pair.sysId, 'work_notes').map((j) => j.value);
      // The "<copy> was resolved: …" note quotes the developer's last comment (the Jira mappings'
      // resolution.notes): it is the resolution's note, checked below, not a second mirror.
      const mirrors = notes.filter((n) => !n.includes(`${key} was resolved`));
      const comments = jiraStore.comments(copy?.id ?? '');
      const jiraComments = comments.map((c) => jiraText(c.body));
      if (count(notes, 'Escalated to') !== 1 || count(notes, `Copy: ${key}`) !== 1)
        problems.push(`${at}: ${count(notes, 'Escalated to')} announcements, ${count(notes, `Copy: ${key}`)} naming the copy`);
      for (const said of script.fromCopy.filter((c) => c.number === pair.number)) {
        if (count(mirrors, said.text) !== 1) problems.push(`${at}: developer comment ${said.text} is on the incident ${count(mirrors, said.text)} times (${when(said)})`);
        if (count(jiraComments, said.text) !== 1) problems.push(`${at}: developer comment ${said.text} is on the copy ${count(jiraComments, said.text)} times (echoed back)`);
      }
      for (const said of script.tagged.filter((c) => c.number === pair.number)) {
        if (count(jiraComments, said.text) !== 1) problems.push(`${at}: tagged note ${said.text} is on the copy ${count(jiraComments, said.text)} times (${when(said)})`);
        if (count(mirrors, said.text) !== 1) problems.push(`${at}: tagged note ${said.text} is on the incident ${count(mirrors, said.text)} times (echoed back)`);
      }
      for (const said of script.untagged.filter((c) => c.number === pair.number)) {
        if (count(jiraComments, said.text) !== 0) problems.push(`${at}: untagged note ${said.text} crossed to the copy`);
      }
      // deskbridge's own notes stay where they were written.
      if (count(jiraComments, 'Escalated to') !== 0) problems.push(`${at}: the announcement was mirrored to the copy`);
      if (count(jiraComments, 'The original ticket') !== 0) problems.push(`${at}: the incident's resolution was sent back to the copy`);
      if (count(jiraComments, 'was resolved') !== 0) problems.push(`${at}: the "was resolved" note was mirrored to the copy`);
      // Nothing else on the copy: the people's comments and the mirrored tagged notes.
      const expectedOnCopy = script.fromCopy.filter((c) => c.number === pair.number).length + script.tagged.filter((c) => c.number === pair.number).length;
      if (jiraComments.length !== expectedOnCopy) problems.push(`${at}: ${jiraComments.length} comments on the copy, expected ${expectedOnCopy}: ${JSON.stringify(jiraComments)}`);

      const incident = snow.store.get('incident', pair.sysId);
      const resolvedNotes = count(notes, `${key} was resolved`);
      const resolvedAt = script.resolved.get(pair.number);
      if (resolvedAt !== undefined) {
        if (incident?.['state'] !== '6' || !(incident['close_notes'] ?? '').includes(key) || resolvedNotes !== 1) {
          // The copy's resolution is taken for deskbridge's own when a write of deskbridge's (a
          // mirrored comment, the remote link sent again) is the issue's latest update.
          const ours = [
            ...comments.filter((c) => c.author !== developer.accountId && c.created >= resolvedAt).map((c) => `${iso(c.created)} comment`),
            ...(copy?.histories ?? []).filter((h) => h.author !== developer.accountId && h.created >= resolvedAt).map((h) => `${iso(h.created)} ${h.items.map((i) => i.field).join('+')}`),
          ].sort();
          problems.push(
            `${at}: copy resolved at ${iso(resolvedAt)}, incident state ${incident?.['state']}, close notes "${incident?.['close_notes'] ?? ''}", ${resolvedNotes} "was resolved" notes; link recorded ${linkAt}; deskbridge wrote to the copy after the resolution: [${ours.join(', ')}]`,
          );
        }
      } else if (incident?.['state'] === '6' || resolvedNotes !== 0) {
        problems.push(`${at}: resolved without its copy being resolved`);
      }
    }
    for (const pair of others) {
      if (snow.store.journal(pair.sysId).length !== 0) problems.push(`${pair.number}: a non-matching incident got notes`);
    }
    // Nothing left to send, nothing given up on.
    for (const line of state.stuck) problems.push(`outbox: ${line}`);
    expect(problems, context).toEqual([]);

    expect(state.stuck, context).toEqual([]);
    expect(Object.keys(state.outbox)).toEqual(['done']);
  }, 240_000);
});
