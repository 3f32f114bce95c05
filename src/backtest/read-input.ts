import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import { listZipEntries } from '../util/zip.js';

/**
 * The text of an input file as a stream of chunks: a plain file as it is, a `.zip` by inflating
 * its one CSV entry on the fly (the compressed archive is read whole — 2.4 MB for the UCI log —
 * the 46 MB CSV never is).
 */
export async function* readTextChunks(path: string): AsyncGenerator<string> {
  const bytes = path.toLowerCase().endsWith('.zip') ? await zipEntryStream(path) : createReadStream(path);
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of bytes) {
    const text = decoder.decode(chunk as Buffer, { stream: true });
    if (text !== '') yield text;
  }
  const rest = decoder.decode();
  if (rest !== '') yield rest;
}

async function zipEntryStream(path: string): Promise<Readable> {
  const zip = await readFile(path);
  const files = listZipEntries(zip).filter((entry) => !entry.name.endsWith('/') && !entry.name.startsWith('__MACOSX/'));
  const csv = files.filter((entry) => entry.name.toLowerCase().endsWith('.csv'));
  const entry = csv.length === 1 ? csv[0] : files.length === 1 ? files[0] : undefined;
  if (!entry) {
    throw new Error(`${path} must hold exactly one CSV file; it holds ${files.map((f) => f.name).join(', ') || 'no files'}`);
  }
  // Local file header (PKWARE APPNOTE 4.3.7): 30 fixed bytes, then the name and extra field.
  const at = entry.localHeaderOffset;
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const data = zip.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return Readable.from([data]);
  if (entry.method !== 8) throw new Error(`Unsupported ZIP compression method ${entry.method} for ${entry.name} in ${path}`);
  return Readable.from(chunksOf(data, 256 * 1024)).pipe(createInflateRaw());
}

function* chunksOf(data: Buffer, size: number): Generator<Buffer> {
  for (let offset = 0; offset < data.length; offset += size) yield data.subarray(offset, offset + size);
}
