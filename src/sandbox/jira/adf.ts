/**
 * Just enough Atlassian Document Format (https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/):
 * validate a document's outer shape, turn plain text / wiki markup into a document, and flatten
 * a document back to text (what Cloud's v2 API and JQL text search see).
 */

export interface AdfNode {
  type: string;
  text?: string;
  content?: AdfNode[];
  attrs?: Record<string, unknown>;
  marks?: { type: string; attrs?: Record<string, unknown> }[];
}

export interface AdfDoc {
  type: 'doc';
  version: 1;
  content: AdfNode[];
}

/** Stored rich text: Cloud v3 writes keep their document; v2 / Data Center writes keep text. */
export type RichText = { kind: 'adf'; doc: AdfDoc } | { kind: 'text'; text: string };

function isNode(value: unknown): value is AdfNode {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const node = value as Record<string, unknown>;
  if (typeof node['type'] !== 'string') return false;
  if (node['type'] === 'text' && typeof node['text'] !== 'string') return false;
  if (node['content'] !== undefined && !(Array.isArray(node['content']) && node['content'].every(isNode))) return false;
  return true;
}

/** `{type: 'doc', version: 1, content: [...]}` with well-formed nodes (node types are not checked against the schema). */
export function isAdfDoc(value: unknown): value is AdfDoc {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const doc = value as Record<string, unknown>;
  return doc['type'] === 'doc' && doc['version'] === 1 && Array.isArray(doc['content']) && doc['content'].every(isNode);
}

function paragraph(text: string): AdfNode {
  const lines = text.split('\n');
  const content: AdfNode[] = [];
  lines.forEach((line, index) => {
    if (index > 0) content.push({ type: 'hardBreak' });
    if (line !== '') content.push({ type: 'text', text: line });
  });
  return content.length > 0 ? { type: 'paragraph', content } : { type: 'paragraph' };
}

/** Plain text → a document: blank lines separate paragraphs, single newlines become hard breaks. */
export function textToAdf(text: string): AdfDoc {
  const normalised = text.replace(/\r\n?/g, '\n').trim();
  const blocks = normalised === '' ? [] : normalised.split(/\n\s*\n/);
  return { type: 'doc', version: 1, content: blocks.map((block) => paragraph(block.trim())) };
}

/**
 * Wiki markup (as in Apache's Jira) → a document: `{code}` / `{code:java}` / `{noformat}` blocks
 * become codeBlock nodes, everything else paragraphs. Other markup stays literal text.
 */
export function wikiToAdf(wiki: string): AdfDoc {
  const text = wiki.replace(/\r\n?/g, '\n');
  const content: AdfNode[] = [];
  const pattern = /\{(code|noformat)(?::([^}]*))?\}([\s\S]*?)\{\1\}/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    content.push(...textToAdf(text.slice(last, match.index)).content);
    const language = match[1] === 'code' ? match[2]?.split('|')[0]?.trim() : undefined;
    const code = (match[3] ?? '').replace(/^\n+|\n+$/g, '');
    content.push({
      type: 'codeBlock',
      ...(language ? { attrs: { language } } : {}),
      ...(code ? { content: [{ type: 'text', text: code }] } : {}),
    });
    last = match.index + match[0].length;
  }
  content.push(...textToAdf(text.slice(last)).content);
  return { type: 'doc', version: 1, content };
}

const BLOCK_TYPES = new Set(['paragraph', 'heading', 'codeBlock', 'blockquote', 'listItem', 'panel', 'rule', 'tableRow']);

/** Flattens a document: text nodes concatenated, hard breaks and block ends as newlines. */
export function adfToText(doc: AdfDoc | AdfNode): string {
  const out: string[] = [];
  const walk = (node: AdfNode): void => {
    if (node.type === 'text') out.push(node.text ?? '');
    else if (node.type === 'hardBreak') out.push('\n');
    else if (node.type === 'mention') out.push(String(node.attrs?.['text'] ?? ''));
    for (const child of node.content ?? []) walk(child);
    if (BLOCK_TYPES.has(node.type)) out.push('\n\n');
  };
  walk(doc);
  return out
    .join('')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export function richToText(value: RichText): string {
  return value.kind === 'text' ? value.text : adfToText(value.doc);
}

export function richToAdf(value: RichText): AdfDoc {
  return value.kind === 'adf' ? value.doc : textToAdf(value.text);
}
