import type { ConnectorDeps } from './deps.js';
import { descriptorOf, platformDescriptor, platformIds, type PlatformId, type PlatformSource } from './registry.js';
import type { Capabilities, Connector } from './types.js';

export { platformIds, type PlatformId };

/** What a configured source can do, without connecting (for `validate`). */
export function capabilitiesOf(source: PlatformSource): Capabilities {
  return descriptorOf(source).capabilities(source);
}

export class UnknownPlatformError extends Error {
  override readonly name = 'UnknownPlatformError';
  constructor(
    readonly platform: string,
    readonly sourceId: string | undefined,
    readonly validPlatforms: readonly string[],
  ) {
    super(`Unknown platform "${platform}"${sourceId === undefined ? '' : ` for source ${sourceId}`}. ` + `Must be one of: ${validPlatforms.join(', ')}`);
  }
}

/**
 * Builds the connector for a source. The platform is looked up at run time too, because a
 * source can reach here without schema validation (tests, a future plugin loader).
 */
export function createConnector(source: PlatformSource, deps: ConnectorDeps = {}): Connector {
  const platform: string = source.platform;
  const descriptor = platformDescriptor(platform);
  if (descriptor === undefined) {
    const id: unknown = (source as { id?: unknown }).id;
    throw new UnknownPlatformError(platform, typeof id === 'string' ? id : undefined, platformIds());
  }
  return descriptor.createConnector(source, deps);
}
