import type { JiraOperation } from './failures.js';
import type { OwnWrites } from './own-writes.js';
import type { JiraRest } from './rest.js';

/** Issues per page of a lookup search that reads every match (`problemStates`). */
const LOOKUP_PAGE = 100;

/**
 * JQL searches for lookups (problems, tasks, teams), through the flavour's search endpoint; on
 * Cloud the issues this process just wrote are passed as `reconcileIssues`.
 */
export class JiraSearch {
  private readonly rest: JiraRest;
  private readonly ownWrites: OwnWrites;

  constructor(rest: JiraRest, ownWrites: OwnWrites) {
    this.rest = rest;
    this.ownWrites = ownWrites;
  }

  /** The first issue of a search, as the raw response body. */
  first(jql: string, fields: string[], operation: JiraOperation, signal: AbortSignal | undefined, options: { reconcile?: boolean } = {}): Promise<unknown> {
    const reconcileIssues = options.reconcile === false ? [] : this.ownWrites.reconcileIds();
    return this.rest.flavour.searchFirst(this.rest, { jql, fields, operation, signal, reconcileIssues });
  }

  /** Every page of a search, issues only. */
  async *all(jql: string, fields: string[], operation: JiraOperation, signal: AbortSignal | undefined): AsyncIterable<unknown[]> {
    const reconcileIssues = this.ownWrites.reconcileIds();
    yield* this.rest.flavour.searchAll(this.rest, { jql, fields, operation, signal, reconcileIssues }, LOOKUP_PAGE);
  }
}
