import type { Source } from '../config/schema.js';
import type { ConnectorDeps } from './deps.js';
import { createJiraConnector, jiraCapabilities } from './jira/index.js';
import { createServiceNowConnector, SERVICENOW_CAPABILITIES } from './servicenow/index.js';
import type { Capabilities, Connector } from './types.js';

/** What a configured source can do, without connecting (for `validate`). */
export function capabilitiesOf(source: Source): Capabilities {
  return source.platform === 'servicenow' ? SERVICENOW_CAPABILITIES : jiraCapabilities(source);
}

export type PlatformId = Source['platform'];

/** Builds a connector for one configured source of its platform. */
export type ConnectorFactory<P extends PlatformId = PlatformId> = (
  source: Extract<Source, { platform: P }>,
  deps?: ConnectorDeps,
) => Connector;

type FactoryTable = { [P in PlatformId]: ConnectorFactory<P> };

const factories = {
  servicenow: createServiceNowConnector,
  jira: createJiraConnector,
} satisfies FactoryTable;

/** Every platform deskbridge can talk to, keyed by the `platform` value used in configuration. */
export const connectorFactories: ReadonlyMap<string, ConnectorFactory> = new Map(
  Object.entries(factories) as [PlatformId, ConnectorFactory][],
);

export function platformIds(): string[] {
  return [...connectorFactories.keys()];
}

export class UnknownPlatformError extends Error {
  override readonly name = 'UnknownPlatformError';
  constructor(
    readonly platform: string,
    readonly sourceId: string | undefined,
    readonly validPlatforms: readonly string[],
  ) {
    super(
      `Unknown platform "${platform}"${sourceId === undefined ? '' : ` for source ${sourceId}`}. ` +
        `Must be one of: ${validPlatforms.join(', ')}`,
    );
  }
}

/**
 * Builds the connector for a source. The platform is looked up at run time too, because a
 * source can reach here without schema validation (tests, a future plugin loader).
 */
export function createConnector(source: Source, deps: ConnectorDeps = {}): Connector {
  const platform: string = source.platform;
  const factory = connectorFactories.get(platform);
  if (factory === undefined) {
    const id: unknown = (source as { id?: unknown }).id;
    throw new UnknownPlatformError(platform, typeof id === 'string' ? id : undefined, platformIds());
  }
  return factory(source, deps);
}
