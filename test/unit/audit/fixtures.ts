import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEvent } from '../../../src/audit/audit-log.js';
import type { QaVerdict, WriteRecord } from '../../../src/audit/schema.js';

/** Temporary directories, removed by `cleanup()` (call it in afterEach). */
export function tempDirs(): { make: () => string; cleanup: () => void } {
  const dirs: string[] = [];
  return {
    make: () => {
      const dir = mkdtempSync(join(tmpdir(), 'deskbridge-audit-'));
      dirs.push(dir);
      return dir;
    },
    cleanup: () => {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function qaVerdict(overrides: Partial<QaVerdict> = {}): QaVerdict {
  return {
    kind: 'qa-verdict',
    ticket: { key: 'servicenow:snow-prod:abc', source: 'snow-prod', number: 'INC0012345' },
    version: '7',
    rule: 'resolution-quality',
    rulesHash: 'a'.repeat(64),
    passed: false,
    sampled: true,
    checks: [{ id: 'notes-present', passed: false, severity: 'error', message: 'Resolution notes are missing' }],
    group: 'Service Desk',
    assignee: 'Beth Anglin',
    category: 'Network',
    resolvedAt: '2026-11-23T14:00:00Z',
    ...overrides,
  };
}

export function writeRecord(overrides: Partial<WriteRecord> = {}): WriteRecord {
  return {
    kind: 'write',
    actionId: 'outbox-1',
    ticket: { key: 'servicenow:snow-prod:abc', source: 'snow-prod', number: 'INC0012345' },
    rule: 'network',
    action: 'assign to Network Operations / Network Engineer 2',
    type: 'assign',
    outcome: 'updated',
    attempt: 1,
    ...overrides,
  };
}

/** `count` QA events `ev-<start>`…, one minute apart from `from`. */
export function qaEvents(count: number, options: { start?: number; from?: string } = {}): AuditEvent<QaVerdict>[] {
  const start = options.start ?? 1;
  const from = Date.parse(options.from ?? '2026-11-23T15:00:00.000Z');
  return Array.from({ length: count }, (_, i) => ({
    id: `ev-${start + i}`,
    at: new Date(from + i * 60_000).toISOString(),
    data: qaVerdict({ ticket: { key: `servicenow:snow-prod:t${start + i}`, source: 'snow-prod', number: `INC${start + i}` } }),
  }));
}

export function readLinesOf(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter((line) => line !== '');
}

export function writeLinesTo(path: string, lines: string[]): void {
  writeFileSync(path, lines.map((line) => `${line}\n`).join(''));
}
