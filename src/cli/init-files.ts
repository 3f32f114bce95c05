import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PlatformDescriptor, StarterOptions, StarterSource } from '../platforms/descriptor.js';
import { PACKAGE_ROOT, SHIPPED_MAPPINGS } from '../util/package-files.js';

/** One file `deskbridge init` writes, relative to the target folder. */
export interface StarterFile {
  path: string;
  text: string;
}

export interface Starter {
  files: StarterFile[];
  source: StarterSource;
}

/**
 * The starter a new user begins from: a config that is safe to run as it is (dry run on, secrets
 * from the environment, state and audit logs in its folder, the shipped mappings) and one routing
 * rules file with tests. Platform specifics (the `sources:` item, its variables, its setup steps)
 * come from the platform's descriptor.
 */
export function starterFiles(platform: PlatformDescriptor, mappingName: string, version: string, options: StarterOptions): Starter {
  const source = platform.starterSource(mappingName, options);
  return {
    source,
    files: [
      { path: 'deskbridge.yaml', text: configText(platform, mappingName, version, source) },
      { path: join('rules', 'routing.yaml'), text: ROUTING_RULES },
    ],
  };
}

function schemaLine(file: string): string {
  return `# yaml-language-server: $schema=${pathToFileURL(join(PACKAGE_ROOT, 'schemas', file)).href}`;
}

function configText(platform: PlatformDescriptor, mappingName: string, version: string, source: StarterSource): string {
  return `${schemaLine('deskbridge.schema.json')}
#
# deskbridge configuration for ${platform.title}, written by \`deskbridge init --platform ${mappingName}\`
# (deskbridge ${version}). Relative paths are relative to this file. \${NAME} reads the
# environment variable NAME (${source.env.map((v) => v.name).join(', ')} below); values read from the
# environment are redacted from the logs.
#
#   deskbridge validate                 check this file, the rules and the mappings
#   deskbridge test rules/              run the tests inside the rules files
#   deskbridge run --once --from 7d     a dry run over the last week's tickets (writes nothing)
#   deskbridge outbox list              what that dry run would have written

# Watermarks, what was processed, the outbox. A dry run keeps its own (deskbridge.dry-run.db).
state:
  path: ./deskbridge.db

# Hash-chained logs of every write and QA verdict (\`deskbridge audit verify\`); a dry run's go
# to audit/dry-run/.
audit:
  dir: ./audit

rules: ./rules
# mappings: unset = the mappings shipped with deskbridge (${SHIPPED_MAPPINGS}).
# To edit them, copy that folder here as ./mappings: a mappings/ folder next to this file wins.

# Plan and log every write, send none. Review a dry run first, then set false to go live.
dryRun: true

log:
  level: info
  format: pretty        # json: one object per line, for a log collector

# Prometheus /metrics and /healthz (for a systemd or Docker health check); off when left out.
# metrics:
#   port: 9464

sources:
${source.yaml}
`;
}

// Canonical fields only, so the same file works on every platform. Group names are the ones the
// setup steps ask to create.
const ROUTING_RULES = `${schemaLine('rules.schema.json')}
#
# Routing rules: evaluated in order for every new or changed ticket; the first that matches wins.
# Conditions are JSONata over the canonical ticket (title, description, status, priority 1-5,
# category, subcategory, ci, location, requester, assignee, group, contactType, labels,
# raw.<native field>). A ticket that already has a group is left alone (no \`override: true\`).
# Check with \`deskbridge validate\`; run the tests below with \`deskbridge test rules/\`.
rules:
  - id: network
    kind: routing
    description: Connectivity problems go to network operations
    when: >-
      status in ["new", "open"] and $not($exists(group))
      and ($lowercase(category) = "network"
      or $contains($lowercase(title), /\\b(vpn|wi-?fi|wifi|dns|network|firewall)\\b/))
    assign:
      group: Network Operations
    note:
      template: >-
        deskbridge routed this to {{ $group }}: it looks like a connectivity problem
        ("{{ title }}"). Rule: {{ $rule.id }}.

  - id: triage
    kind: routing
    description: Anything else without a group goes to the service desk queue
    when: $not($exists(group)) and status in ["new", "open"]
    assign:
      group: Service Desk

# Example tickets and what the rules above must do with them. \`ticket\` gives canonical fields;
# the rest default to a new, unassigned P3 incident.
tests:
  - name: a VPN problem goes to network operations, with a note saying why
    ticket: { title: VPN drops every few minutes }
    expect:
      actions:
        - { type: assign, group: Network Operations, rule: network }
        - { type: comment, bodyContains: looks like a connectivity problem }

  - name: anything else without a group goes to the service desk
    ticket: { title: Printer on the 2nd floor jams }
    expect:
      actions:
        - { type: assign, group: Service Desk, rule: triage }

  - name: a ticket a person already gave a group is left alone
    ticket: { title: VPN drops every few minutes, group: Desktop Support }
    expect: { noActions: true }

  - name: a resolved ticket is never routed
    ticket: { title: VPN drops every few minutes, status: resolved }
    expect: { noActions: true }
`;
