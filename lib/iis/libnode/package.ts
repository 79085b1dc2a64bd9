// The NuGet package Microsoft.JavaScript.LibNode.win-<arch> (the libnode node-api-dotnet embeds,
// built by Microsoft) as a zip, checked before anything is taken from it: a package (a .nuspec at
// its root, naming the package expected), no entry with an unsafe path or an absurd size, and
// exactly one libnode.dll at runtimes/win-<arch>/native/ (the NuGet layout for a native library
// of one runtime identifier; the package carries it there), which is extracted to a file of our
// choosing and must be a PE image for that machine.
import { DOMParser } from '@xmldom/xmldom';
import { createWriteStream, unlinkSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import * as yauzl from 'yauzl';
import { LIBNODE_DLL } from '../names.js';
import { readPeImage } from '../pe.js';

export type LibnodeArch = 'x64' | 'x86';

/** The NuGet package holding libnode.dll for `arch`. */
export const libnodePackageId = (arch: LibnodeArch) => `Microsoft.JavaScript.LibNode.win-${arch}`;

/** Where the package keeps the DLL. */
export const libnodeEntryPath = (arch: LibnodeArch) => `runtimes/win-${arch}/native/${LIBNODE_DLL}`;

/** No entry of a package may unpack to more than this (libnode.dll is some 80 MB). */
export const MAX_ENTRY_BYTES = 200 * 1024 * 1024;
/** Nor hold more entries than this. */
export const MAX_ENTRIES = 10_000;
const MAX_NUSPEC_BYTES = 1024 * 1024;

/** Refusals of a package: the CLI prints the message, nothing is written. */
export class PackageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PackageError';
  }
}

export interface CheckedPackage {
  /** From the .nuspec. */
  id: string;
  version: string;
  /** The libnode.dll entry's path and size. */
  entry: string;
  size: number;
}

/** An entry name that could land outside the folder it is unpacked into. */
function unsafePath(name: string): boolean {
  return name.includes('\\') || name.startsWith('/') || /^[a-zA-Z]:/.test(name) || name.split('/').includes('..') || name.includes('\0');
}

async function readEntries(file: string, zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  if (zip.entryCount > MAX_ENTRIES) throw new PackageError(`${file} has ${zip.entryCount} entries (more than ${MAX_ENTRIES}): not a libnode package`);
  const entries: yauzl.Entry[] = [];
  try {
    for await (const entry of zip.eachEntry()) entries.push(entry);
  } catch (error) {
    // yauzl refuses absolute paths, ".." and backslashes in names itself, and malformed records.
    const message = (error as Error).message;
    if (/absolute path|invalid relative path|invalid characters in fileName/.test(message)) {
      throw new PackageError(`${file} has an entry whose path leaves the package (${message}): refused`);
    }
    throw new PackageError(`${file} is not a readable zip (${message})`);
  }
  for (const entry of entries) {
    if (unsafePath(entry.fileName)) throw new PackageError(`${file} has an entry whose path leaves the package (${entry.fileName}): refused`);
    if (entry.uncompressedSize > MAX_ENTRY_BYTES) {
      throw new PackageError(`${file}'s entry ${entry.fileName} would unpack to ${entry.uncompressedSize} bytes (more than ${MAX_ENTRY_BYTES}): refused`);
    }
  }
  return entries;
}

async function readSmallEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, limit: number): Promise<string> {
  if (entry.uncompressedSize > limit) throw new PackageError(`${entry.fileName} is larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function nuspecField(xml: string, field: string): string | undefined {
  const doc = new DOMParser({ onError: () => undefined }).parseFromString(xml, 'text/xml');
  const el = doc.getElementsByTagName(field)[0];
  return el?.textContent?.trim() || undefined;
}

/**
 * Checks the package at `file` for `arch` and extracts its libnode.dll to `out` (created; removed
 * again when anything is wrong). Throws PackageError, saying why, for any refusal.
 */
export async function extractLibnode(file: string, arch: LibnodeArch, out: string): Promise<CheckedPackage> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true, decodeStrings: true, strictFileNames: false });
  } catch (error) {
    throw new PackageError(`${file} is not a zip, so not a NuGet package (${(error as Error).message})`);
  }
  try {
    const entries = await readEntries(file, zip);
    const expectedId = libnodePackageId(arch);

    const nuspec = entries.find((e) => !e.fileName.includes('/') && e.fileName.toLowerCase().endsWith('.nuspec'));
    if (!nuspec) throw new PackageError(`${file} has no .nuspec at its root: not a NuGet package`);
    const xml = await readSmallEntry(zip, nuspec, MAX_NUSPEC_BYTES);
    const id = nuspecField(xml, 'id');
    const version = nuspecField(xml, 'version');
    if (!id || !version) throw new PackageError(`${file}'s ${nuspec.fileName} names no package id and version`);
    if (id.toLowerCase() !== expectedId.toLowerCase()) {
      throw new PackageError(`${file} is the package ${id} ${version}, not ${expectedId}: use that package for --arch ${arch}`);
    }

    const wanted = libnodeEntryPath(arch).toLowerCase();
    const dlls = entries.filter((e) => e.fileName.toLowerCase() === LIBNODE_DLL || e.fileName.toLowerCase().endsWith(`/${LIBNODE_DLL}`));
    const matches = dlls.filter((e) => e.fileName.toLowerCase() === wanted);
    if (matches.length === 0) {
      throw new PackageError(
        dlls.length
          ? `${file} has no ${libnodeEntryPath(arch)}, only ${dlls.map((e) => e.fileName).join(', ')}: not the package for ${arch}`
          : `${file} holds no ${LIBNODE_DLL} (expected at ${libnodeEntryPath(arch)})`,
      );
    }
    if (matches.length > 1) throw new PackageError(`${file} holds ${matches.length} entries named ${libnodeEntryPath(arch)}: refused`);
    const entry = matches[0];

    let written = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        written += chunk.length;
        if (written > MAX_ENTRY_BYTES) return done(new PackageError(`${entry.fileName} unpacks to more than ${MAX_ENTRY_BYTES} bytes: refused`));
        done(null, chunk);
      },
    });
    try {
      await pipeline(await zip.openReadStreamPromise(entry), limit, createWriteStream(out, { flags: 'wx' }));
      const image = readPeImage(out);
      if (image instanceof Error) throw new PackageError(`${entry.fileName} in ${file}: ${image.message.replace(out, 'the file')}`);
      if (image.machine !== arch) {
        throw new PackageError(`${entry.fileName} in ${file} is built for ${image.machine}, not ${arch}: refused (the package is mislabelled or altered)`);
      }
    } catch (error) {
      // (EEXIST: `out` was there before, and is not ours to remove.)
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        try {
          unlinkSync(out);
        } catch {
          // not created
        }
      }
      if (error instanceof PackageError) throw error;
      throw new PackageError(`cannot unpack ${entry.fileName} from ${file}: ${(error as Error).message}`);
    }
    return { id, version, entry: entry.fileName, size: written };
  } finally {
    zip.close();
  }
}
