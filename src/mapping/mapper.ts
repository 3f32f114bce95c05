import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { Ticket } from '../model/ticket.js';
import type { Action, ActionTarget } from '../model/action.js';
import { assertSerialisable, compileExpression, EvaluationCancelledError, ExpressionError, type CompiledExpression } from './expression.js';
import { mappingFunctions } from './functions.js';

/** The inbound and outbound JSONata mappings of one platform, compiled. */
export interface PlatformMappings {
  platform: string;
  inbound: CompiledExpression;
  outbound: CompiledExpression;
  /** Content hash input: the two sources, so hot reload can tell whether anything changed. */
  sources: { inbound: string; outbound: string };
}

/** A native record that could not become a valid Ticket; the sync loop quarantines it. */
export class MappingError extends Error {
  override readonly name = 'MappingError';
  constructor(
    message: string,
    readonly details: { code: 'mapping-failed' | 'invalid-ticket' | 'outbound-failed'; nativeId?: string | undefined; position?: number | undefined },
  ) {
    super(message);
  }
}

export function mappingPath(dir: string, platform: string, direction: 'inbound' | 'outbound'): string {
  return join(dir, `${platform}.${direction}.jsonata`);
}

export function loadPlatformMappings(dir: string, platform: string): PlatformMappings {
  return compilePlatformMappings(platform, readFileSync(mappingPath(dir, platform, 'inbound'), 'utf8'), readFileSync(mappingPath(dir, platform, 'outbound'), 'utf8'));
}

/** Compiles (through the shared cache) a platform's two mapping sources, already validated. */
export function compilePlatformMappings(platform: string, inbound: string, outbound: string): PlatformMappings {
  return { platform, inbound: compileExpression(inbound), outbound: compileExpression(outbound), sources: { inbound, outbound } };
}

export interface InboundContext {
  /** Canonical platform id (`servicenow`, `jira`): the first part of every ticket key. */
  platform: string;
  sourceId: string;
  /** Bound as `$source` in the mapping, e.g. `{ id, table, baseUrl }` for ServiceNow. */
  source: Record<string, unknown>;
}

/**
 * Native record → canonical Ticket. `key`, `source.platform` and `source.instance` are set here,
 * not by the editable mapping, because idempotency keys and state depend on them being stable.
 */
export async function mapInbound(mappings: PlatformMappings, raw: Record<string, unknown>, context: InboundContext): Promise<Ticket> {
  let mapped: unknown;
  try {
    mapped = await mappings.inbound.evaluate(raw, { ...mappingFunctions, source: { ...context.source, id: context.sourceId } });
    // Validated and stored as JSON next: a value whose parts are shared exponentially must stop here.
    assertSerialisable(mapped);
  } catch (error) {
    if (error instanceof EvaluationCancelledError) throw error;
    const e = error instanceof ExpressionError ? error : undefined;
    throw new MappingError(`${mappings.platform}.inbound.jsonata failed: ${e?.message ?? String(error)}`, {
      code: 'mapping-failed',
      position: e?.position,
    });
  }
  if (typeof mapped !== 'object' || mapped === null || Array.isArray(mapped)) {
    throw new MappingError(`${mappings.platform}.inbound.jsonata must produce an object`, { code: 'mapping-failed' });
  }
  const candidate = mapped as Record<string, unknown>;
  const source = typeof candidate['source'] === 'object' && candidate['source'] !== null ? (candidate['source'] as Record<string, unknown>) : {};
  const nativeId = typeof source['nativeId'] === 'string' ? source['nativeId'] : undefined;
  const parsed = Ticket.safeParse({
    ...candidate,
    key: `${context.platform}:${context.sourceId}:${nativeId ?? ''}`,
    source: { ...source, platform: context.platform, instance: context.sourceId },
    raw,
  });
  if (!parsed.success) {
    throw new MappingError(`record does not make a valid ticket: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`, {
      code: 'invalid-ticket',
      nativeId,
    });
  }
  return parsed.data;
}

/**
 * What an outbound mapping sees. `marker` must end up in any note's text (how a retried note is
 * recognised); `rule`, the id of the rule that planned the write, lets the note say where it came from.
 */
export interface OutboundInput {
  action: Action;
  target: ActionTarget;
  marker: string;
  rule?: string | undefined;
}

/** Action → native field map, through the platform's outbound mapping. */
export async function mapOutbound(mappings: PlatformMappings, input: OutboundInput): Promise<Record<string, unknown>> {
  let mapped: unknown;
  try {
    mapped = await mappings.outbound.evaluate(input, mappingFunctions);
    assertSerialisable(mapped);
  } catch (error) {
    // The daemon is stopping: nothing was written, the outbox retries it after the restart.
    if (error instanceof EvaluationCancelledError) throw error;
    throw new MappingError(`${mappings.platform}.outbound.jsonata failed: ${error instanceof Error ? error.message : String(error)}`, {
      code: 'outbound-failed',
    });
  }
  if (typeof mapped !== 'object' || mapped === null || Array.isArray(mapped)) {
    throw new MappingError(`${mappings.platform}.outbound.jsonata must produce an object of native fields`, { code: 'outbound-failed' });
  }
  return mapped as Record<string, unknown>;
}
