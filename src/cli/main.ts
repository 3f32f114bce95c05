import { Command, Option } from 'commander';
import { ConfigError, formatDiagnostic } from '../diagnostics/diagnostics.js';
import type { FatalContext } from './fatal.js';
import { DEFAULT_SANDBOX, SANDBOX_SEEDS } from './sandbox-seeds.js';
import type { SandboxCommandOptions } from './sandbox.js';
import { MAPPING_NAMES } from '../platforms/mapping-names.js';
import type { ValidateResult } from '../config/validate.js';
import { defaultMappingsDir, packageVersion } from '../util/package-files.js';

// Each command's module is imported inside its action, so a start-up loads only the command run:
// `--help`, `--version`, `status` and `outbox list` do not pay for the sandboxes, the backtest,
// the daemon and their dependencies (seconds through tsx, most of a compiled start too).

/** The command being run and its config file, so a fatal error can name the path or port. */
let fatalContext: FatalContext = { command: process.argv[2] ?? 'deskbridge' };

/** Prints an error nothing else handled as one actionable line (stack only with DESKBRIDGE_DEBUG). */
async function reportFatal(error: unknown): Promise<void> {
  if (process.env['DESKBRIDGE_DEBUG']) process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  let lines: string[];
  try {
    const { describeFatal } = await import('./fatal.js');
    lines = describeFatal(error, fatalContext);
  } catch {
    lines = [`deskbridge ${fatalContext.command}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`];
  }
  for (const line of lines) process.stderr.write(`${line}\n`);
}

// A throw from a timer or an 'error' event (a metrics port already in use) would otherwise end
// the process with a stack trace; the exit code stays non-zero.
process.on('uncaughtException', (error) => {
  void reportFatal(error).finally(() => process.exit(2));
});
process.on('unhandledRejection', (error) => {
  void reportFatal(error).finally(() => process.exit(2));
});

// `deskbridge outbox list | head`: a closed pipe is the reader saying it has seen enough.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const program = new Command();
program
  .name('deskbridge')
  .description('Automates help-desk queue work on top of the ITSM tools you already run.')
  .version(packageVersion(), '-V, --version', 'print the version')
  .showHelpAfterError()
  .hook('preAction', (_program, action) => {
    const { config } = action.opts<{ config?: unknown }>();
    fatalContext = { command: action.parent && action.parent !== program ? `${action.parent.name()} ${action.name()}` : action.name(), ...(typeof config === 'string' ? { configFile: config } : {}) };
  });

program
  .command('init')
  .description('write a starter deskbridge.yaml (dry run on, secrets from environment variables) and rules/ into a folder, then print the next steps')
  .addOption(new Option('--platform <platform>', 'which platform the starter source is for').choices(MAPPING_NAMES).makeOptionMandatory())
  .option('--dir <dir>', 'folder to write into', '.')
  .option('--url <baseUrl>', 'instance or site address to write (default: read from an environment variable)')
  .option('--force', 'overwrite files that already exist')
  .action(async (opts: { platform: string; dir: string; url?: string; force?: boolean }) => {
    const { initCommand } = await import('./init.js');
    process.exitCode = initCommand(
      opts,
      (line) => process.stdout.write(`${line}\n`),
      (line) => process.stderr.write(`${line}\n`),
    );
  });

program
  .command('run')
  .description('sync every configured source on its schedule until stopped (SIGINT/SIGTERM finish in-flight writes)')
  .option('-c, --config <file>', 'configuration file', 'deskbridge.yaml')
  .option('--once', 'run one pass of every source and exit (exit code 0 = all sources succeeded)')
  .option('--from <when>', 'act on tickets updated since this ISO date or duration back (7d, 12h); older ones are history: learned from, not acted on (default: since each source was first synced)')
  .option('--wait', 'when another daemon holds the state, wait for it to stop instead of exiting 75')
  .action(async (opts: { config: string; once?: boolean; from?: string; wait?: boolean }) => {
    const { runCommand } = await import('./run.js');
    process.exitCode = await runCommand(opts);
  });

program
  .command('validate')
  .description('check config, rules and mappings; prints file:line:col for every problem')
  .argument('[paths...]', 'files or folders (config, rules, mappings)', ['deskbridge.yaml'])
  .option('--online', 'also ask each enabled source (read-only GETs, credentials as the daemon resolves them) whether the raw.<field> names, assignment groups and people the rules name exist there')
  .action(async (paths: string[], opts: { online?: boolean }) => {
    const { runValidate } = await import('../config/validate.js');
    const extra =
      opts.online === true
        ? async (validated: ValidateResult) => {
            const { checkOnline } = await import('../online/check.js');
            return checkOnline(validated);
          }
        : undefined;
    process.exitCode = await runValidate(paths, (line) => process.stdout.write(`${line}\n`), extra === undefined ? {} : { extra });
  });

program
  .command('sandbox')
  .description('start a simulated ServiceNow, Jira, Zendesk or Freshservice over HTTP (for trying rules and for tests)')
  .addOption(new Option('--platform <platform>', 'which platform').choices(Object.keys(SANDBOX_SEEDS)).default(DEFAULT_SANDBOX))
  .addOption(new Option('--flavour <flavour>', 'Jira flavour').choices(['cloud', 'datacenter']).default('cloud'))
  .option('-p, --port <port>', 'port to listen on (0 = any free port)', '8089')
  .addOption(
    new Option('--seed <kind>', 'initial data: fixtures, the ServiceNow event log, the Apache Hadoop Jira reports, or the Endava help-desk tickets (Zendesk, Freshservice)')
      .choices(['fixtures', 'event-log', 'hadoop', 'helpdesk', 'none'])
      .default('fixtures'),
  )
  .option('--limit <n>', 'records to load from the event log, the Hadoop reports or the help-desk tickets', '1000')
  .option('--rate-limit <n>', 'requests per window before answering 429 (default: no limit)')
  .option('--rate-window <seconds>', 'length of the rate-limit window', '60')
  .option('--faults <spec>', 'inject faults, e.g. rate=0.1,kinds=server-error+timeout+reset,seed=7 (see src/sandbox/*/readme.md)')
  .option('--search-lag-ms <ms>', 'Jira: how far search lags behind writes')
  .action(async (opts: SandboxCommandOptions) => {
    try {
      const { sandboxCommand } = await import('./sandbox.js');
      await sandboxCommand(opts);
    } catch (error) {
      process.stderr.write(`deskbridge sandbox: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 2;
    }
  });

program
  .command('demo')
  .description('start the four sandboxes (ServiceNow, Jira, Zendesk, Freshservice) seeded with real ticket data and route them with the example rules')
  .option('--incidents <n>', 'incidents to load from the ServiceNow event log', '300')
  .option('--jira-issues <n>', 'Apache Hadoop bug reports to load into the Jira sandbox', '40')
  .option('--helpdesk-tickets <n>', 'real help-desk tickets to load into each of the Zendesk and Freshservice sandboxes', '60')
  .option('--console-port <port>', 'port of the web console served after the passes (0: any free port)', '0')
  .option('--no-console', 'exit after the passes instead of serving the web console until Ctrl-C')
  .action(async (opts: { incidents: string; jiraIssues: string; helpdeskTickets: string; console: boolean; consolePort: string }) => {
    const { demoCommand } = await import('./demo.js');
    const { randomBytes } = await import('node:crypto');
    process.exitCode = await demoCommand({
      incidents: Number(opts.incidents),
      jiraIssues: Number(opts.jiraIssues),
      helpdeskTickets: Number(opts.helpdeskTickets),
      console: opts.console ? { port: Number(opts.consolePort), token: randomBytes(18).toString('base64url') } : undefined,
    });
  });

program
  .command('test')
  .description('run the tests inside rules files (tests:) offline; exit 1 when any fails — for your CI')
  .argument('[paths...]', 'rules files or folders', ['rules'])
  .option('--json', 'machine-readable report')
  .option('-c, --config <file>', "evaluate under this configuration's limits: (as run does)")
  .action(async (paths: string[], opts: { json?: boolean; config?: string }) => {
    const { runTestCommand } = await import('./test.js');
    process.exitCode = await runTestCommand(paths, (line) => process.stdout.write(`${line}\n`), { ...(opts.json ? { json: true } : {}), ...(opts.config ? { config: opts.config } : {}) });
  });

program
  .command('backtest')
  .description('replay historical tickets through the rules without writing anything, and report what would have happened')
  .argument('<input>', 'ServiceNow CSV export (or a .zip holding one), ServiceNow JSON export, or Jira JSON export')
  .addOption(new Option('--format <format>', 'input format').choices(['auto', 'servicenow-csv', 'servicenow-json', 'jira-json', 'zendesk-json', 'freshservice-json']).default('auto'))
  .option('--rules <path>', 'rules file or folder', 'rules')
  .option('--mappings <dir>', 'mappings folder (default: ./mappings when there is one, else the shipped mappings)')
  .option('--source <id>', 'source id the rules see (for scope.sources)')
  .option('--jira-group-field <field>', 'Jira field holding the group (as groupField in the config)')
  .option('--limit <n>', 'only the first N tickets')
  .option('--json', 'machine-readable report')
  .option('-c, --config <file>', "evaluate under this configuration's limits: (as run does), leaving alone the tickets its source's skip: holds for")
  .option('--skip <condition>', "leave alone the tickets this skip: condition holds for (JSONata, as on a source; wins over the config's)")
  .action(
    async (
      input: string,
      opts: {
        format: 'auto' | 'servicenow-csv' | 'servicenow-json' | 'jira-json' | 'zendesk-json' | 'freshservice-json';
        rules: string;
        mappings?: string;
        source?: string;
        jiraGroupField?: string;
        limit?: string;
        json?: boolean;
        config?: string;
        skip?: string;
      },
    ) => {
      const { runBacktestCommand } = await import('./backtest.js');
      process.exitCode = await runBacktestCommand(
        {
          input,
          format: opts.format,
          rules: opts.rules,
          mappings: opts.mappings ?? defaultMappingsDir(process.cwd()),
          ...(opts.source ? { source: opts.source } : {}),
          ...(opts.jiraGroupField ? { jiraGroupField: opts.jiraGroupField } : {}),
          ...(opts.limit ? { limit: Number(opts.limit) } : {}),
          ...(opts.json ? { json: true } : {}),
          ...(opts.config ? { config: opts.config } : {}),
          ...(opts.skip !== undefined ? { skip: opts.skip } : {}),
        },
        (line) => process.stdout.write(`${line}\n`),
      );
    },
  );

program
  .command('report')
  .description(
    'help-desk figures for a period — first-contact resolution, response and resolution times, backlog aging, SLA attainment, reassignments, reopens, volume, people, and what deskbridge routing changed — from an export or from what deskbridge has pulled',
  )
  .argument(
    '[input]',
    'an export, as backtest reads (ServiceNow CSV or a .zip holding one, e.g. the UCI event log; ServiceNow, Jira, Zendesk or Freshservice JSON); without one, what deskbridge has pulled (its state)',
  )
  .option('--state <file>', 'state file to report from (default: the one in the config)')
  .option('-c, --config <file>', 'configuration whose state file to report from', 'deskbridge.yaml')
  .option('--source <id>', 'only this source (state only)')
  .option('--audit-dir <dir>', 'audit log folder for the QA pass rate per person (state only; default: the one in the config)')
  .option('--from <date>', 'start of the period, inclusive (YYYY-MM-DD or an ISO date-time; UTC); default the first ticket')
  .option('--to <date>', 'end of the period, exclusive; default the minute after the last update')
  .addOption(new Option('--by <interval>', 'trend interval').choices(['week', 'month']).default('week'))
  .addOption(new Option('--format <format>', 'output').choices(['text', 'html', 'csv', 'json']).default('text'))
  .option('-o, --out <file>', 'write the html/csv/json here instead of stdout')
  .addOption(new Option('--input-format <format>', 'input format').choices(['auto', 'servicenow-csv', 'servicenow-json', 'jira-json', 'zendesk-json', 'freshservice-json']).default('auto'))
  .option('--mappings <dir>', 'mappings folder (default: ./mappings when there is one, else the shipped mappings)')
  .option('--jira-group-field <field>', 'Jira field holding the group (as groupField in the config)')
  .option('--top <n>', 'rows in the top-categories list (groups, categories and people: 3×)', '10')
  .action(
    async (
      input: string | undefined,
      opts: {
        state?: string;
        auditDir?: string;
        config: string;
        source?: string;
        from?: string;
        to?: string;
        by: 'week' | 'month';
        format: 'text' | 'html' | 'csv' | 'json';
        out?: string;
        inputFormat: 'auto' | 'servicenow-csv' | 'servicenow-json' | 'jira-json' | 'zendesk-json' | 'freshservice-json';
        mappings?: string;
        jiraGroupField?: string;
        top: string;
      },
    ) => {
      const top = Number(opts.top);
      if (!Number.isInteger(top) || top < 1) program.error(`deskbridge report: --top ${opts.top} is not a positive whole number`);
      const { runReportCommand } = await import('./report.js');
      process.exitCode = await runReportCommand(
        {
          ...(input !== undefined ? { input } : {}),
          ...(opts.state !== undefined ? { state: opts.state } : {}),
          ...(opts.source !== undefined ? { source: opts.source } : {}),
          ...(opts.auditDir !== undefined ? { auditDir: opts.auditDir } : {}),
          config: opts.config,
          inputFormat: opts.inputFormat,
          mappings: opts.mappings ?? defaultMappingsDir(process.cwd()),
          by: opts.by,
          format: opts.format,
          top,
          ...(opts.from !== undefined ? { from: opts.from } : {}),
          ...(opts.to !== undefined ? { to: opts.to } : {}),
          ...(opts.out !== undefined ? { out: opts.out } : {}),
          ...(opts.jiraGroupField !== undefined ? { jiraGroupField: opts.jiraGroupField } : {}),
        },
        (line) => process.stdout.write(`${line}\n`),
      );
    },
  );

program
  .command('explain')
  .description('evaluate every rule for one ticket and say why each matched or not, and what would be done (writes nothing)')
  .option('-c, --config <file>', 'configuration file', 'deskbridge.yaml')
  .option('--ticket <ref>', 'ticket number or native id, read from the source')
  .option('--file <json>', 'a ticket as JSON: a native record (ServiceNow / Jira) or canonical fields')
  .option('--source <id>', 'which source (default: the first enabled one)')
  .option('--json', 'machine-readable output')
  .action(async (opts: { config: string; ticket?: string; file?: string; source?: string; json?: boolean }) => {
    try {
      const { explainCommand } = await import('./explain.js');
      process.exitCode = await explainCommand(opts, (line) => process.stdout.write(`${line}\n`));
    } catch (error) {
      process.stderr.write(`deskbridge explain: ${error instanceof ConfigError ? error.diagnostics.map(formatDiagnostic).join('\n') : error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 2;
    }
  });

program
  .command('status')
  .description('who holds the state (pid, host, last heartbeat) and what waits in the outbox; safe beside a running daemon')
  .option('-c, --config <file>', 'configuration file', 'deskbridge.yaml')
  .option('--json', 'machine-readable output')
  .action(async (opts: { config: string; json?: boolean }) => {
    const { statusCommand } = await import('./inspect.js');
    process.exitCode = await statusCommand(opts);
  });

const outbox = program.command('outbox').description('inspect and retry planned writes');
outbox
  .command('list')
  .description('planned writes, newest first, one line each; by default those of the mode the sources run in now (live or dry-run)')
  .option('-c, --config <file>', 'configuration file', 'deskbridge.yaml')
  .addOption(new Option('--status <status>', 'filter').choices(['pending', 'done', 'dead']))
  .option('--limit <n>', 'rows per state file', '50')
  .option('--live', 'the live state (writes sent, or to be sent, to the platform)')
  .option('--dry-run', 'the dry-run state (what dry-run sources planned; never sent)')
  .option('--json', 'machine-readable output, notes in full')
  .action(async (opts: { config: string; status?: 'pending' | 'done' | 'dead'; limit: string; live?: boolean; dryRun?: boolean; json?: boolean }) => {
    const { outboxCommand } = await import('./inspect.js');
    process.exitCode = await outboxCommand('list', opts);
  });
outbox
  .command('show')
  .description('one planned write in full: ticket, rule, action, whole note text, explanation, status, attempts, errors, live or dry-run')
  .argument('<id>', 'the id, or its start as outbox list shows it')
  .option('-c, --config <file>', 'configuration file', 'deskbridge.yaml')
  .option('--live', 'look in the live state first')
  .option('--dry-run', 'look in the dry-run state first')
  .option('--json', 'machine-readable output')
  .action(async (id: string, opts: { config: string; live?: boolean; dryRun?: boolean; json?: boolean }) => {
    const { outboxShowCommand } = await import('./inspect.js');
    process.exitCode = await outboxShowCommand(id, opts);
  });
outbox
  .command('retry')
  .description('put dead-lettered writes back in the queue for the next pass')
  .option('-c, --config <file>', 'configuration file', 'deskbridge.yaml')
  .option('--id <id>', 'one entry (default: every dead entry)')
  .action(async (opts: { config: string; id?: string }) => {
    const { outboxCommand } = await import('./inspect.js');
    process.exitCode = await outboxCommand('retry', opts);
  });

outbox
  .command('discard')
  .description("drop a source's pending live writes unsent (a held first live pass you do not want); each stays listed as dead, outcome discarded")
  .requiredOption('--source <id>', 'the source whose pending writes to drop')
  .option('-c, --config <file>', 'configuration file', 'deskbridge.yaml')
  .action(async (opts: { config: string; source: string }) => {
    const { outboxDiscardCommand } = await import('./inspect.js');
    process.exitCode = await outboxDiscardCommand(opts);
  });

const quarantine = program.command('quarantine').description('records that could not be read or mapped to tickets');
quarantine
  .command('list')
  .description('the records that could not be read or mapped, with their errors')
  .option('-c, --config <file>', 'configuration file', 'deskbridge.yaml')
  .option('--source <id>', 'only this source')
  .option('--live', 'the live state')
  .option('--dry-run', "the dry-run sources' state")
  .option('--json', 'machine-readable output')
  .action(async (opts: { config: string; source?: string; live?: boolean; dryRun?: boolean; json?: boolean }) => {
    const { quarantineCommand } = await import('./inspect.js');
    process.exitCode = await quarantineCommand('list', opts);
  });
quarantine
  .command('retry')
  .description('read the records again and re-map them on the next pass (after fixing a mapping)')
  .option('-c, --config <file>', 'configuration file', 'deskbridge.yaml')
  .option('--id <n>', 'one entry')
  .option('--source <id>', 'every open entry of this source')
  .option('--all', 'every open entry')
  .option('--dry-run', "in the dry-run sources' state")
  .action(async (opts: { config: string; id?: string; source?: string; all?: boolean; dryRun?: boolean }) => {
    const { quarantineCommand } = await import('./inspect.js');
    process.exitCode = await quarantineCommand('retry', opts);
  });

const audit = program.command('audit').description('the append-only QA and action logs');
audit
  .command('verify')
  .description('prove the logs are intact and end at the heads the state file recorded (HMACs too, with DESKBRIDGE_AUDIT_HMAC_KEY), or report the first problem with file:line (exit 1)')
  .option('-c, --config <file>', 'configuration file', 'deskbridge.yaml')
  .option('--dir <dir>', 'audit folder (default: audit.dir of the config)')
  .option('--dry-run', "the dry-run sources' logs")
  .action(async (opts: { config: string; dir?: string; dryRun?: boolean }) => {
    const { auditVerifyCommand } = await import('./audit.js');
    process.exitCode = await auditVerifyCommand(opts);
  });
audit
  .command('acknowledge')
  .description('accept a broken log (see verify): start a new, linked segment that records the break, so the daemon writes again')
  .option('-c, --config <file>', 'configuration file', 'deskbridge.yaml')
  .option('--dry-run', "the dry-run sources' logs")
  .requiredOption('--log <log>', 'qa or actions')
  .requiredOption('--reason <text>', 'why the break is acceptable (recorded in the log)')
  .option('--by <name>', 'who acknowledges it (default: the OS user)')
  .action(async (opts: { config: string; dryRun?: boolean; log: string; reason: string; by?: string }) => {
    const { auditAcknowledgeCommand } = await import('./audit.js');
    process.exitCode = await auditAcknowledgeCommand(opts);
  });
audit
  .command('report')
  .description('QA pass rates by check, group, assignee and week')
  .option('-c, --config <file>', 'configuration file', 'deskbridge.yaml')
  .option('--dir <dir>', 'audit folder (default: audit.dir of the config)')
  .option('--dry-run', "the dry-run sources' logs")
  .option('--since <date>', 'verdicts on tickets resolved from this date (inclusive, UTC)')
  .option('--until <date>', 'up to this date (exclusive, UTC)')
  .addOption(new Option('--format <format>', 'output format').choices(['md', 'csv', 'html']).default('md'))
  .option('-o, --out <file>', 'write to a file instead of stdout')
  .action(async (opts: { config: string; dir?: string; dryRun?: boolean; since?: string; until?: string; format: 'md' | 'csv' | 'html'; out?: string }) => {
    const { auditReportCommand } = await import('./audit.js');
    process.exitCode = await auditReportCommand(opts);
  });

const state = program.command('state').description('the state itself (SQLite file or PostgreSQL database)');
state
  .command('migrate')
  .description('copy a whole state from a SQLite file to PostgreSQL or back, into an empty target, and verify it (row counts, contents, audit heads); stop the daemon first')
  .requiredOption('--from <path|url>', 'the state to copy: a SQLite file or a postgres:// URL (credentials in the URL or the PG* variables)')
  .requiredOption('--to <path|url>', 'where to copy it: a new SQLite file or an empty PostgreSQL database')
  .option('--force', "copy even though the source's lease shows a live holder (only when that daemon is known to be gone)")
  .option('--json', 'machine-readable summary')
  .action(async (opts: { from: string; to: string; force?: boolean; json?: boolean }) => {
    const { stateMigrateCommand } = await import('./state-migrate.js');
    process.exitCode = await stateMigrateCommand(
      opts,
      (line) => process.stdout.write(`${line}\n`),
      (line) => process.stderr.write(`${line}\n`),
    );
  });

program
  .command('revert')
  .description("undo deskbridge's assignments (by rule, source, time or ticket) from the audit trail; prints the plan, writes only with --apply, skips tickets a person changed since")
  .option('-c, --config <file>', 'configuration file', 'deskbridge.yaml')
  .option('--rule <id>', "only this rule's writes")
  .option('--source <id>', "only this source's writes")
  .option('--since <iso>', 'only writes recorded at or after this date-time (UTC unless it says otherwise)')
  .option('--until <iso>', 'only writes recorded before this date-time')
  .option('--ticket <numbers...>', 'only these tickets (numbers or keys)')
  .option('--apply', 'write the reverts (default: dry run, nothing is written); the daemon must be stopped')
  .action(async (opts: { config: string; rule?: string; source?: string; since?: string; until?: string; ticket?: string[]; apply?: boolean }) => {
    const { ticket, ...rest } = opts;
    const { revertCommand } = await import('./revert.js');
    process.exitCode = await revertCommand({ ...rest, ...(ticket ? { tickets: ticket } : {}) }, (line) => process.stdout.write(`${line}\n`));
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  await reportFatal(error);
  process.exitCode = 2;
}
