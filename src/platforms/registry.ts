import { registerMappingFunctions } from '../mapping/functions.js';
import type { PlatformDescriptor, SourceOf } from './descriptor.js';
import { freshservice } from './freshservice/descriptor.js';
import { jira } from './jira/descriptor.js';
import { servicenow } from './servicenow/descriptor.js';
import { zendesk } from './zendesk/descriptor.js';

/**
 * Every platform deskbridge can talk to, one line each; their order is the order config errors,
 * `validate` and the editor schema list them in. Adding a platform: its folder (with a
 * `descriptor.ts`), its mappings, its sandbox, and one line here (and its mapping names in
 * mapping-names.ts, which the CLI reads at start-up).
 */
export const PLATFORMS = [servicenow, jira, zendesk, freshservice] as const;

/** A configured source of any registered platform (what config's `sources:` items parse to). */
export type PlatformSource = SourceOf<(typeof PLATFORMS)[number]>;

/** The `platform:` values of the registered platforms. */
export type PlatformId = PlatformSource['platform'];

/** The registered source schemas, in registry order, typed as a tuple for zod's discriminated union. */
export type PlatformSourceSchemas = SchemasOf<typeof PLATFORMS>;
// Generic so the mapped type keeps the tuple (a mapped type over a concrete tuple type does not).
type SchemasOf<T extends readonly unknown[]> = { -readonly [K in keyof T]: T[K] extends PlatformDescriptor<infer Schema> ? Schema : never };

export function platformSourceSchemas(): PlatformSourceSchemas {
  return PLATFORMS.map((platform) => platform.sourceSchema) as unknown as PlatformSourceSchemas;
}

const byId: ReadonlyMap<string, PlatformDescriptor> = new Map(PLATFORMS.map((platform) => [platform.id, platform as PlatformDescriptor]));

// The mapper binds every platform's helpers: a mapping may call any of them by name.
for (const platform of PLATFORMS) registerMappingFunctions(platform.id, platform.mappingFunctions);

export function platformIds(): string[] {
  return [...byId.keys()];
}

/** The descriptor of a `platform:` value; undefined for one no registered platform has. */
export function platformDescriptor(id: string): PlatformDescriptor | undefined {
  return byId.get(id);
}

/** The descriptor of a source that passed (or came from) the config schema. */
export function descriptorOf(source: PlatformSource): PlatformDescriptor {
  const descriptor = byId.get(source.platform);
  if (descriptor === undefined) throw new Error(`no registered platform "${source.platform}"`);
  return descriptor;
}

/** What a mapping sees as `$source`: the parts of the source config a mapping may need. */
export function mappingSourceBinding(source: PlatformSource): Record<string, unknown> {
  return descriptorOf(source).sourceBinding(source);
}

/**
 * The mapping pair (`<name>.inbound.jsonata` / `.outbound.jsonata`) a source uses, from the source
 * as written; an unregistered platform's name is its own (the config error says what is wrong).
 */
export function mappingName(written: { readonly platform: string } & Readonly<Record<string, unknown>>): string {
  return byId.get(written.platform)?.mappingName(written) ?? written.platform;
}

/** Every mapping name a valid config can ask for. */
export function mappingNames(): string[] {
  return PLATFORMS.flatMap((platform) => platform.mappingNames);
}

/** The platform whose sources use a mapping name (`jira-cloud` → Jira); undefined for an unknown name. */
export function platformOfMappingName(name: string): PlatformDescriptor | undefined {
  return PLATFORMS.find((platform) => platform.mappingNames.includes(name));
}
