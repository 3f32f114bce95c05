import { adfToText } from './adf.js';
import { jiraTimeToIso } from './time.js';

/** Helpers the Jira mappings call; the registry adds them to every mapping's functions. */
export const jiraMappingFunctions = {
  /**
   * Plain text of a rich-text value: Atlassian Document Format (Jira Cloud REST v3) flattened,
   * a plain or wiki-markup string (Jira Data Center) as it is; "" when empty.
   */
  adfText: (doc: unknown): string => (doc === undefined || doc === null ? '' : adfToText(doc)),
  /** A date-time with an offset (`2024-05-14T11:15:42.123+0200`, Jira's form) → ISO 8601 UTC. */
  isoUtc: (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? jiraTimeToIso(value) : undefined),
} as const;
