import { createHash } from 'node:crypto';
import { findTeamFile, loadTeam, type Team } from '../team/index.js';
import { teamReferenceDiagnostics } from '../config/team-references.js';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadMappings, loadRules } from '../config/load-rules.js';
import { formatDiagnostic, type Diagnostic } from '../diagnostics/diagnostics.js';
import { platformFieldDiagnostics } from '../config/field-names.js';
import { compileRuleSet, type CompiledRuleSet } from '../engine/rule-set.js';
import { compilePlatformMappings, type PlatformMappings } from '../mapping/mapper.js';
import type { Logger } from '../observability/logger.js';

/** Rules and mappings that were validated together and are swapped in together. */
export interface ConfigSet {
  hash: string;
  rules: CompiledRuleSet;
  /** The team file beside the rules (`team.yaml`), when there is one. */
  team: Team | undefined;
  mappings: Map<string, PlatformMappings>;
}

export class ConfigSetError extends Error {
  override readonly name = 'ConfigSetError';
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
  }
}

/**
 * Hash of every rules and mappings file's name and content: cheap enough to check each pass.
 * `rules:` may name a folder or a single file; both are watched.
 */
export function hashConfigFiles(rulesPath: string, mappingsDir: string): string {
  const hash = createHash('sha256');
  for (const location of [rulesPath, mappingsDir]) {
    for (const file of listFiles(location)) {
      hash.update(file).update('\0').update(readFileSync(file)).update('\0');
    }
  }
  return hash.digest('hex');
}

/** The files a location stands for: itself when it is a file, its rules and mapping files when a folder. */
function listFiles(location: string): string[] {
  let isFile: boolean;
  try {
    isFile = statSync(location).isFile();
  } catch {
    return [];
  }
  if (isFile) return [location];
  try {
    return readdirSync(location)
      .filter((name) => /\.(ya?ml|jsonata)$/.test(name) && statSync(join(location, name)).isFile())
      .sort()
      .map((name) => join(location, name));
  } catch {
    return [];
  }
}

export function loadConfigSet(rulesDir: string, mappingsDir: string, platforms: readonly string[], sourceIds: readonly string[]): ConfigSet {
  const hash = hashConfigFiles(rulesDir, mappingsDir);
  const loaded = loadRules([rulesDir], { sourceIds: [...sourceIds] });
  const errors = [...loaded.diagnostics, ...platformFieldDiagnostics(loaded.files, platforms)].filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new ConfigSetError(errors);
  // The same loader `deskbridge validate` uses, so a broken mapping is reported at its line and column.
  const loadedMappings = loadMappings(mappingsDir);
  const mappingErrors = loadedMappings.diagnostics.filter((d) => d.severity === 'error');
  if (mappingErrors.length > 0) throw new ConfigSetError(mappingErrors);
  const mappings = new Map<string, PlatformMappings>();
  for (const platform of new Set(platforms)) {
    const find = (direction: 'inbound' | 'outbound') => loadedMappings.mappings.find((m) => m.platform === platform && m.direction === direction)?.source;
    const inbound = find('inbound');
    const outbound = find('outbound');
    if (inbound === undefined || outbound === undefined) {
      throw new ConfigSetError([
        {
          file: join(mappingsDir, `${platform}.${inbound === undefined ? 'inbound' : 'outbound'}.jsonata`),
          line: 1,
          column: 1,
          severity: 'error',
          code: 'file-not-found',
          message: `No ${inbound === undefined ? 'inbound' : 'outbound'} mapping for platform ${platform}`,
          hint: 'copy it from the mappings/ folder of deskbridge',
        },
      ]);
    }
    mappings.set(platform, compilePlatformMappings(platform, inbound, outbound));
  }
  // Reloaded with the rules (its content is part of the rules folder's hash).
  const teamFile = existsSync(rulesDir) && statSync(rulesDir).isDirectory() ? findTeamFile(rulesDir) : undefined;
  let team: Team | undefined;
  if (teamFile !== undefined) {
    const loadedTeam = loadTeam(teamFile);
    const teamErrors = loadedTeam.diagnostics.filter((d) => d.severity === 'error');
    if (teamErrors.length > 0 || !loadedTeam.team) throw new ConfigSetError(teamErrors);
    team = loadedTeam.team;
  }
  const referenceErrors = teamReferenceDiagnostics(loaded.files, team).filter((d) => d.severity === 'error');
  if (referenceErrors.length > 0) throw new ConfigSetError(referenceErrors);
  return { hash, rules: compileRuleSet(loaded.rules), mappings, team };
}

/**
 * Keeps the running rules and mappings current. A changed set is validated as a whole and
 * swapped in atomically; a broken edit is logged once per content hash and the last good set
 * keeps running.
 */
export class ConfigReloader {
  private current: ConfigSet;
  private rejectedHash: string | undefined;
  rejectedCount = 0;

  constructor(
    private readonly rulesDir: string,
    private readonly mappingsDir: string,
    private readonly platforms: readonly string[],
    private readonly sourceIds: readonly string[],
    private readonly logger: Logger,
    private readonly onReload: (result: 'accepted' | 'rejected') => void = () => undefined,
  ) {
    this.current = loadConfigSet(rulesDir, mappingsDir, platforms, sourceIds);
  }

  get set(): ConfigSet {
    return this.current;
  }

  /** Returns true when a new set was swapped in. Never throws: a failure keeps the current set. */
  check(): boolean {
    let hash: string;
    try {
      hash = hashConfigFiles(this.rulesDir, this.mappingsDir);
    } catch (error) {
      // Unreadable (permissions) or vanished between listing and reading: same as a broken edit.
      this.rejectedCount++;
      this.onReload('rejected');
      this.logger.error('Could not read rules/mappings; keeping the last good set', { error: error instanceof Error ? error.message : String(error) });
      return false;
    }
    if (hash === this.current.hash || hash === this.rejectedHash) return false;
    try {
      this.current = loadConfigSet(this.rulesDir, this.mappingsDir, this.platforms, this.sourceIds);
      this.rejectedHash = undefined;
      this.onReload('accepted');
      this.logger.info('Rules and mappings reloaded', { rules: this.current.rules.rules.length, hash: this.current.hash.slice(0, 12) });
      return true;
    } catch (error) {
      this.rejectedHash = hash;
      this.rejectedCount++;
      this.onReload('rejected');
      const diagnostics = error instanceof ConfigSetError ? error.diagnostics.map(formatDiagnostic) : [String(error)];
      this.logger.error('Rejected rules/mappings edit; keeping the last good set', { diagnostics });
      return false;
    }
  }
}
