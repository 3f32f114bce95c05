import type { HttpLogger } from '../http/client.js';
import type { HostQueueRegistry } from '../http/queue.js';
import type { RetryOverrides } from '../http/retry.js';

/** What every connector factory may be given besides its source; all optional. */
export interface ConnectorDeps {
  logger?: HttpLogger | undefined;
  /** Layered over the source's `retry` policy; tests zero delays or inject `sleep`. */
  retryOverrides?: RetryOverrides | undefined;
  /** Clock (epoch ms) for token expiry and Retry-After dates; tests freeze or advance it. */
  now?: (() => number) | undefined;
  /** Per-host pacing shared across sources; defaults to the process-wide registry. */
  hostQueues?: HostQueueRegistry | undefined;
  /** Asked right before each write request goes on the wire (see HttpClientOptions.writeGate). */
  writeGate?: (() => void) | undefined;
}
