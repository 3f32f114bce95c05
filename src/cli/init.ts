import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { mappingNames, platformOfMappingName } from '../platforms/registry.js';
import { packageVersion } from '../util/package-files.js';
import { starterFiles } from './init-files.js';

export interface InitOptions {
  /** A mapping name: `servicenow`, `jira-cloud`, `jira-datacenter`. */
  platform: string;
  dir: string;
  url?: string;
  force?: boolean;
}

/**
 * `deskbridge init`: writes the starter config and rules into a folder and prints the next steps.
 * Existing files are never overwritten without `--force`, and then nothing is written at all, so
 * a refused init leaves a half-configured folder as it was.
 */
export function initCommand(options: InitOptions, out: (line: string) => void, err: (line: string) => void): number {
  const platform = platformOfMappingName(options.platform);
  if (platform === undefined) {
    err(`deskbridge init: unknown platform "${options.platform}"; choose one of ${mappingNames().join(', ')}`);
    return 2;
  }
  const dir = resolve(options.dir);
  const { files, source } = starterFiles(platform, options.platform, packageVersion(), options.url === undefined ? {} : { url: options.url });
  const existing = files.filter((file) => existsSync(join(dir, file.path)));
  if (existing.length > 0 && options.force !== true) {
    err(`deskbridge init: ${existing.map((file) => join(dir, file.path)).join(', ')} already exist${existing.length === 1 ? 's' : ''}; nothing written (--force overwrites)`);
    return 1;
  }
  for (const file of files) {
    const path = join(dir, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.text);
  }

  const shown = relative(process.cwd(), dir);
  out(`Wrote a ${platform.title} starter (dry run on) to ${dir}:`);
  for (const file of files) out(`  ${file.path}${existing.some((e) => e.path === file.path) ? ' (overwritten)' : ''}`);
  out('');
  out(`Before the first pass, on ${platform.title}:`);
  for (const step of source.setup) out(`  - ${step}`);
  out('');
  out('Next steps:');
  let step = 1;
  if (shown !== '') out(`  ${step++}. cd ${shown}`);
  if (source.env.length > 0) {
    out(`  ${step++}. Set the environment variables the config reads (a systemd EnvironmentFile or docker --env-file in production):`);
    const width = Math.max(...source.env.map((v) => v.name.length));
    for (const variable of source.env) out(`       export ${variable.name}=…${' '.repeat(width - variable.name.length)}   ${variable.holds}`);
  }
  out(`  ${step++}. deskbridge validate                 check the config, the rules and the mappings`);
  out(`  ${step++}. deskbridge test rules/              run the tests inside the rules files`);
  out(`  ${step++}. deskbridge run --once --from 7d     a dry run over the last week's tickets: plans and logs, writes nothing`);
  out(`  ${step++}. deskbridge outbox list              review what it would have written`);
  out(`  ${step}. Go live: set dryRun: false in deskbridge.yaml, then run deskbridge run as a service (README "Run as a service")`);
  return 0;
}
