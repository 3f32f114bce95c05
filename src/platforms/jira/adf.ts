/**
 * Atlassian Document Format (ADF), the rich-text JSON that REST v3 uses for descriptions and
 * comments on Jira Cloud (https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/).
 * deskbridge writes plain text and reads plain text; these two functions are the bridge.
 */

export interface AdfNode {
  type: string;
  version?: number;
  text?: string;
  attrs?: Record<string, unknown>;
  content?: AdfNode[];
}

/**
 * Plain text → an ADF document: blank lines separate paragraphs, single line breaks become
 * `hardBreak` nodes. ADF rejects empty text nodes, so none are produced.
 */
export function textToAdf(text: string): AdfNode {
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split(/\n{2,}/)
    .map((block) => block.replace(/^\n+|\n+$/g, ''))
    .filter((block) => block !== '');
  return {
    type: 'doc',
    version: 1,
    content: paragraphs.map((block) => {
      const content: AdfNode[] = [];
      block.split('\n').forEach((line, index) => {
        if (index > 0) {
          content.push({ type: 'hardBreak' });
        }
        if (line !== '') {
          content.push({ type: 'text', text: line });
        }
      });
      return { type: 'paragraph', content };
    }),
  };
}

/** Nodes whose children are inline (text runs); their children are joined without separators. */
const INLINE_CONTAINERS = new Set(['paragraph', 'heading', 'codeBlock']);
const MAX_DEPTH = 64;

/**
 * ADF (or a plain string, as REST v2 and the Service Desk API return) → plain text. Block nodes
 * are separated by line breaks; mentions, emoji, dates, statuses and cards contribute their
 * visible text. Anything unrecognised contributes the text of its children. Never throws.
 */
export function adfToText(doc: unknown): string {
  if (typeof doc === 'string') {
    return doc;
  }
  return flatten(doc, 0);
}

function flatten(node: unknown, depth: number): string {
  if (typeof node !== 'object' || node === null || depth > MAX_DEPTH) {
    return '';
  }
  if (Array.isArray(node)) {
    return node
      .map((child) => flatten(child, depth + 1))
      .filter((text) => text !== '')
      .join('\n');
  }
  const n = node as { type?: unknown; text?: unknown; attrs?: unknown; content?: unknown };
  const attrs = typeof n.attrs === 'object' && n.attrs !== null ? (n.attrs as Record<string, unknown>) : {};
  switch (n.type) {
    case 'text':
      return typeof n.text === 'string' ? n.text : '';
    case 'hardBreak':
      return '\n';
    case 'mention':
    case 'status':
      return stringAttr(attrs, 'text');
    case 'emoji':
      return stringAttr(attrs, 'text') || stringAttr(attrs, 'shortName');
    case 'inlineCard':
    case 'blockCard':
    case 'embedCard':
      return stringAttr(attrs, 'url');
    case 'date': {
      const timestamp = Number(attrs.timestamp);
      return Number.isFinite(timestamp) ? new Date(timestamp).toISOString().slice(0, 10) : '';
    }
    default:
      break;
  }
  if (!Array.isArray(n.content)) {
    return '';
  }
  const children = n.content.map((child) => flatten(child, depth + 1));
  if (typeof n.type === 'string' && INLINE_CONTAINERS.has(n.type)) {
    return children.join('');
  }
  return children.filter((text) => text !== '').join('\n');
}

function stringAttr(attrs: Record<string, unknown>, name: string): string {
  const value = attrs[name];
  return typeof value === 'string' ? value : '';
}
