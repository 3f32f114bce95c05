import { BacktestInputError } from './history.js';

/** A configured source as the backtest needs it: its id, the mapping its tickets go through, its `skip:`. */
export interface ConfigSource {
  id: string;
  /** `servicenow`, `jira-cloud`, `jira-datacenter` (as the mappings folder names them). */
  mapping: string;
  skip: string | undefined;
}

/** The `skip:` condition the replay applies, and where it came from (for the report). */
export interface BacktestSkip {
  condition: string | undefined;
  /** `--skip`, `source <id> of the config`, or `none`. */
  from: string;
  /** The config source it came from: the rules are evaluated as that source unless `--source` says otherwise. */
  sourceId?: string;
}

/**
 * Which `skip:` the backtest applies, so it leaves alone the tickets the daemon would: `--skip`
 * when given; else the config's source named by `--source`, or the only source that reads the
 * input's platform (several with different `skip:` conditions: the user has to say which).
 */
export function backtestSkip(input: { skip?: string | undefined; sources?: readonly ConfigSource[] | undefined; sourceId?: string | undefined; mapping: string }): BacktestSkip {
  if (input.skip !== undefined) return { condition: input.skip, from: '--skip' };
  const sources = input.sources;
  if (sources === undefined) return { condition: undefined, from: 'none' };
  if (input.sourceId !== undefined) {
    const named = sources.find((s) => s.id === input.sourceId);
    if (named === undefined) return { condition: undefined, from: 'none' };
    if (named.mapping !== input.mapping) {
      throw new BacktestInputError(
        `source ${named.id} of the config reads ${named.mapping} tickets, but the input is a ${input.mapping} export: name a ${input.mapping} source with --source, or give the condition with --skip`,
      );
    }
    return fromSource(named);
  }
  const matching = sources.filter((s) => s.mapping === input.mapping);
  const first = matching[0];
  if (first === undefined) return { condition: undefined, from: 'none' };
  if (matching.some((s) => s.skip !== first.skip)) {
    throw new BacktestInputError(
      `the config has ${matching.length} ${input.mapping} sources with different skip: conditions (${matching.map((s) => s.id).join(', ')}): say which one the backtest stands for with --source <id>`,
    );
  }
  return matching.length === 1 ? fromSource(first) : { condition: first.skip, from: `sources ${matching.map((s) => s.id).join(', ')} of the config` };
}

function fromSource(source: ConfigSource): BacktestSkip {
  return { condition: source.skip, from: `source ${source.id} of the config`, sourceId: source.id };
}
