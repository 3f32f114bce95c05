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
 * A reload that failed with no position to give: the files could not be read (permissions, a file
 * vanished mid-read), or loading them failed unexpectedly. Shaped like a {@link Diagnostic} without
 * the place, so a reader can tell the two apart by `code`.
 */
export interface UnpositionedReloadProblem {
  severity: 'error';
  code: 'unreadable' | 'load-failed';
  message: string;
}

export type ReloadDiagnostic = Diagnostic | UnpositionedReloadProblem;

/** What {@link ConfigReloader.status} says of the running set and of the last reloads tried. */
export interface ReloadStatus {
  /** When the running set was loaded (at start) or swapped in (ISO). */
  readonly loadedAt: string;
  /** Content hash of the running set's files. */
  readonly hash: string;
  /** Rules in the running set. */
  readonly rules: number;
  /** The last edit swapped in (absent until one is). */
  readonly lastAccepted?: { readonly at: string };
  /**
   * The last edit refused, kept after a later accepted one (compare `at` with `loadedAt`).
   * `hash` is the refused content's, or null when the files could not be read.
   */
  readonly lastRejected?: { readonly at: string; readonly hash: string | null; readonly diagnostics: readonly ReloadDiagnostic[] };
  /**
   * The files on disk, as the last check read them, are still the refused content (or still
   * unreadable): the edit is pending a fix. False once they changed, and when nothing was refused.
   */
  readonly rejectedStillOnDisk: boolean;
  /** Refused reloads since start (an unreadable set counts once per check, as the metric does). */
  readonly rejectedCount: number;
}

/** What the last check read: a content hash, or that the files could not be read. */
const UNREADABLE = Symbol('unreadable');

/**
 * Keeps the running rules and mappings current. A changed set is validated as a whole and
 * swapped in atomically; a broken edit is logged once per content hash and the last good set
 * keeps running.
 */
export class ConfigReloader {
  private current: ConfigSet;
  private rejectedHash: string | undefined;
  rejectedCount = 0;
  private loadedAt: Date;
  private lastAccepted: Date | undefined;
  private lastRejected: { at: Date; hash: string | null; diagnostics: readonly ReloadDiagnostic[] } | undefined;
  /** What the last check (or the first load) read of the files. */
  private lastSeen: string | typeof UNREADABLE;

  constructor(
    private readonly rulesDir: string,
    private readonly mappingsDir: string,
    private readonly platforms: readonly string[],
    private readonly sourceIds: readonly string[],
    private readonly logger: Logger,
    private readonly onReload: (result: 'accepted' | 'rejected') => void = () => undefined,
    /** The clock status times are read from; tests set it. */
    private readonly now: () => Date = () => new Date(),
  ) {
    this.current = loadConfigSet(rulesDir, mappingsDir, platforms, sourceIds);
    this.loadedAt = this.now();
    this.lastSeen = this.current.hash;
  }

  get set(): ConfigSet {
    return this.current;
  }

  /** The running set and the last reloads accepted and refused, for a console to show. */
  get status(): ReloadStatus {
    const rejected = this.lastRejected;
    return {
      loadedAt: this.loadedAt.toISOString(),
      hash: this.current.hash,
      rules: this.current.rules.rules.length,
      ...(this.lastAccepted ? { lastAccepted: { at: this.lastAccepted.toISOString() } } : {}),
      ...(rejected ? { lastRejected: { at: rejected.at.toISOString(), hash: rejected.hash, diagnostics: rejected.diagnostics } } : {}),
      rejectedStillOnDisk: rejected !== undefined && this.lastSeen === (rejected.hash ?? UNREADABLE),
      rejectedCount: this.rejectedCount,
    };
  }

  /** Returns true when a new set was swapped in. Never throws: a failure keeps the current set. */
  check(): boolean {
    let hash: string;
    try {
      hash = hashConfigFiles(this.rulesDir, this.mappingsDir);
    } catch (error) {
      // Unreadable (permissions) or vanished between listing and reading: same as a broken edit.
      const message = error instanceof Error ? error.message : String(error);
      // Still unreadable, for the same reason: the refusal dates from the first check that said so.
      const same = this.lastSeen === UNREADABLE && this.lastRejected?.hash === null && this.lastRejected.diagnostics[0]?.message === message;
      if (!same) this.lastRejected = { at: this.now(), hash: null, diagnostics: [{ severity: 'error', code: 'unreadable', message }] };
      this.lastSeen = UNREADABLE;
      this.rejectedCount++;
      this.onReload('rejected');
      this.logger.error('Could not read rules/mappings; keeping the last good set', { error: message });
      return false;
    }
    this.lastSeen = hash;
    if (hash === this.current.hash || hash === this.rejectedHash) return false;
    try {
      this.current = loadConfigSet(this.rulesDir, this.mappingsDir, this.platforms, this.sourceIds);
      this.loadedAt = this.lastAccepted = this.now();
      this.lastSeen = this.current.hash;
      this.rejectedHash = undefined;
      this.onReload('accepted');
      this.logger.info('Rules and mappings reloaded', { rules: this.current.rules.rules.length, hash: this.current.hash.slice(0, 12) });
      return true;
    } catch (error) {
      this.rejectedHash = hash;
      this.rejectedCount++;
      this.lastRejected = {
        at: this.now(),
        hash,
        diagnostics: error instanceof ConfigSetError ? error.diagnostics : [{ severity: 'error', code: 'load-failed', message: error instanceof Error ? error.message : String(error) }],
      };
      this.onReload('rejected');
      const diagnostics = error instanceof ConfigSetError ? error.diagnostics.map(formatDiagnostic) : [String(error)];
      this.logger.error('Rejected rules/mappings edit; keeping the last good set', { diagnostics });
      return false;
    }
  }
}
