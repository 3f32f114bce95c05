import type { z } from 'zod';
import type { MappingFunction } from '../mapping/functions.js';
import type { ConnectorDeps } from './deps.js';
import type { SourceBase } from './source-base.js';
import type { Capabilities, Connector } from './types.js';

/** A platform's source schema: a strict object discriminated by its `platform` literal. */
export type SourceSchema = z.ZodObject<{ platform: z.ZodLiteral<string> } & z.core.$ZodShape, z.core.$strict>;

/** What a raw-field check says about a `raw.<field>` name the platform would refuse. */
export interface RawFieldProblem {
  message: string;
  hint: string;
}

/**
 * Everything deskbridge knows about one platform, in one object exported by its folder
 * (`src/platforms/<id>/descriptor.ts`) and listed once in `src/platforms/registry.ts`. Config,
 * validate, the daemon and the mapper reach a platform only through this; none of them names one.
 *
 * Methods (not function-valued properties) so a descriptor of one platform's source type can sit
 * in the registry's list of descriptors of any source.
 */
export interface PlatformDescriptor<Schema extends SourceSchema = SourceSchema> {
  /** The `platform:` value in deskbridge.yaml, and the first part of every ticket key. */
  readonly id: z.output<Schema['shape']['platform']>;
  /** The platform's name for people: docs, editor hints, messages. */
  readonly title: string;
  /** The source config schema; config's `sources:` union is built from every platform's. */
  readonly sourceSchema: Schema;
  /** Editor JSON Schema texts for the source schema's parts (schemas/deskbridge.schema.json). */
  readonly sourceDescriptions: readonly (readonly [z.core.$ZodType, string])[];
  /** Every mapping name this platform's sources can ask for (`<name>.inbound.jsonata` / `.outbound.jsonata`). */
  readonly mappingNames: readonly string[];
  /**
   * The mapping pair a source uses. Given the source as written (before validation, for
   * `validate` to name missing mapping files even in a broken config), so fields may be absent.
   */
  mappingName(written: Readonly<Record<string, unknown>>): string;
  /** What `$source` holds in this platform's mappings (the mapper adds `id`). */
  sourceBinding(source: z.output<Schema>): Record<string, unknown>;
  /** What a configured source can do, without connecting (for `validate` and the engine). */
  capabilities(source: z.output<Schema>): Capabilities;
  /** Builds the connector of one configured source. */
  createConnector(source: z.output<Schema>, deps?: ConnectorDeps): Connector;
  /** Helpers this platform's mappings call (`$adfText(…)`), added to every mapping's functions. */
  readonly mappingFunctions: Readonly<Record<string, MappingFunction>>;
  /**
   * A `raw.<field>` name the platform refuses in a query (so every pass would fail); checked by
   * `validate` in every rule when a source of this platform is enabled. Unset: any name is fine.
   */
  rawFieldProblem?(field: string): RawFieldProblem | undefined;
  /** The starter source `deskbridge init --platform <name>` writes, for each of `mappingNames`. */
  starterSource(mappingName: string, options: StarterOptions): StarterSource;
}

/** What `deskbridge init` asks a platform for: the instance address, when given on the command line. */
export interface StarterOptions {
  /** Written as the source's `baseUrl`; unset: the platform's environment variable for it. */
  url?: string;
}

/** The `sources:` item `deskbridge init --platform <mapping name>` writes, and what it needs. */
export interface StarterSource {
  /** The item's YAML, comments included, indented to sit under `sources:` (starts with `  - id:`). */
  yaml: string;
  /** Environment variables the item reads, each with what it holds (init's next steps list them). */
  env: readonly { name: string; holds: string }[];
  /** What to set up on the platform before a first pass (integration user, roles, groups…), one step a line. */
  setup: readonly string[];
}

/** The source type of a descriptor. */
export type SourceOf<D> = D extends PlatformDescriptor<infer Schema> ? z.output<Schema> : never;

/**
 * Declares a platform: the descriptor as given, typed by its source schema, and refused at compile
 * time when the schema lacks a common field the daemon reads (see `SourceBase`).
 */
export function definePlatform<Schema extends SourceSchema>(
  descriptor: PlatformDescriptor<Schema> & (z.output<Schema> extends SourceBase ? unknown : { sourceSchemaLacksCommonFields: never }),
): PlatformDescriptor<Schema> {
  return descriptor;
}
