/**
 * The mapping names of the registered platforms, as registry.ts `mappingNames()` gives them,
 * written out so the CLI can offer them as `init --platform` choices without loading every
 * connector at start-up. A unit test holds the two equal, so a new platform adds its names here.
 */
export const MAPPING_NAMES: readonly string[] = ['servicenow', 'jira-cloud', 'jira-datacenter', 'zendesk', 'freshservice'];
