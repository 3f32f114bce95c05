import { readFile } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';

/**
 * Minimal ZIP reader (PKWARE APPNOTE: end of central directory → central directory → local file
 * header → data), enough for the public data sets: stored or deflated entries, no ZIP64, no
 * encryption. Sizes come from the central directory, so entries written with a data descriptor
 * (general-purpose flag bit 3) work too. Used by the backtest (zipped exports) and the ServiceNow
 * sandbox (its seed data set), which is why it lives in neither.
 */

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

export function listZipEntries(zip: Buffer): ZipEntry[] {
  // The EOCD record is 22 bytes plus an optional comment of up to 65,535 bytes at the very end.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('Not a ZIP file: end of central directory not found');
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  if (offset === 0xffffffff) throw new Error('ZIP64 archives are not supported');
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== CENTRAL_SIGNATURE) throw new Error('Corrupt ZIP central directory');
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    entries.push({
      method: zip.readUInt16LE(offset + 10),
      compressedSize: zip.readUInt32LE(offset + 20),
      size: zip.readUInt32LE(offset + 24),
      localHeaderOffset: zip.readUInt32LE(offset + 42),
      name: zip.toString('utf8', offset + 46, offset + 46 + nameLength),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

export function extractZipEntry(zip: Buffer, entry: ZipEntry): Buffer {
  const at = entry.localHeaderOffset;
  if (zip.readUInt32LE(at) !== LOCAL_SIGNATURE) throw new Error(`Corrupt ZIP local header for ${entry.name}`);
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const data = zip.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return Buffer.from(data);
  if (entry.method === 8) return inflateRawSync(data);
  throw new Error(`Unsupported ZIP compression method ${entry.method} for ${entry.name}`);
}

/** Reads one entry (by default the first file) of a ZIP archive on disk. */
export async function readZipEntry(path: string, name?: string): Promise<Buffer> {
  const zip = await readFile(path);
  const entries = listZipEntries(zip).filter((entry) => !entry.name.endsWith('/'));
  const entry = name === undefined ? entries[0] : entries.find((e) => e.name === name);
  if (!entry) throw new Error(`${name ?? 'No file entry'} not found in ${path}`);
  return extractZipEntry(zip, entry);
}
