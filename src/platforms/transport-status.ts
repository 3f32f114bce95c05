import { budgetPerMinute, parseBudget } from '../http/budget.js';
import type { CircuitState } from '../http/circuit-breaker.js';
import type { HttpClient } from '../http/client.js';
import type { TransportStatus } from './types.js';

const SEVERITY: Readonly<Record<CircuitState, number>> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * A connector's {@link TransportStatus} from the HTTP clients it sends through (one for every
 * platform today) and its source's `budget`: requests summed, the worst circuit (`open` >
 * `half-open` > `closed`) and, when that is `open`, the earliest time one of the open circuits lets
 * a probe through.
 */
export function transportStatusOf(clients: readonly HttpClient[], budget: string | undefined): TransportStatus {
  let requests = 0;
  let circuit: CircuitState = 'closed';
  let retryAtMs: number | undefined;
  for (const client of clients) {
    requests += client.requestCount();
    const state = client.circuitState();
    if (SEVERITY[state] > SEVERITY[circuit]) circuit = state;
    const retryAt = client.circuitRetryAt();
    if (state === 'open' && retryAt !== undefined) retryAtMs = Math.min(retryAtMs ?? Infinity, Date.parse(retryAt));
  }
  return {
    requests,
    circuit,
    circuitRetryAt: circuit === 'open' && retryAtMs !== undefined ? new Date(retryAtMs).toISOString() : undefined,
    budgetPerMinute: budget === undefined ? undefined : budgetPerMinute(parseBudget(budget)),
  };
}
