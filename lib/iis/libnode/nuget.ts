// nuget.org, read through its public V3 API with Node's own fetch: the versions of a package (the
// flat container's index.json), the .nupkg itself (streamed to a file, hashed on the way), and the
// SHA-512 nuget.org's catalog records for it (registration leaf -> catalog entry -> packageHash,
// base64).
//
// NOT TESTED against nuget.org: the machine that builds and tests this package has no internet
// access. test/iis/libnode.test.ts runs this code against a small local HTTP server that answers
// as the documented protocol says (https://learn.microsoft.com/nuget/api/package-base-address-resource,
// .../registration-base-url-resource, .../catalog-resource); whether nuget.org answers exactly so
// (the registration hive's name, the catalog's packageHash of the signed package) must be tried
// by hand on a machine with internet access.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

/** Where a NuGet V3 feed keeps package files and registrations (nuget.org's; a test's own server). */
export interface NugetFeed {
  /** PackageBaseAddress/3.0.0 */
  flatContainer: string;
  /** RegistrationsBaseUrl/3.6.0 (gzipped, SemVer 2) */
  registration: string;
}

export const NUGET_ORG: NugetFeed = {
  flatContainer: 'https://api.nuget.org/v3-flatcontainer',
  registration: 'https://api.nuget.org/v3/registration5-gz-semver2',
};

/** Metadata requests: the whole answer within this. */
const METADATA_TIMEOUT_MS = 30_000;
/** The package download: no byte for this long ends it … */
const IDLE_TIMEOUT_MS = 60_000;
/** … as does taking longer than this in all. */
const DOWNLOAD_TIMEOUT_MS = 30 * 60_000;
/** A libnode package is some 30 MB; anything past this is not one. */
export const MAX_PACKAGE_BYTES = 512 * 1024 * 1024;

const OFFLINE_FIX = 'check the network (Node\'s fetch does not use the system\'s proxy settings), or download the .nupkg in a browser and pass --from FILE';

export class DownloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DownloadError';
  }
}

/** Why a fetch failed, in words: a timeout, a network error's code, or the message. */
function fetchFailure(error: unknown, url: string, what: string): DownloadError {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e instanceof DownloadError) return e;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return new DownloadError(`${what}: ${url} did not answer in time: ${OFFLINE_FIX}`);
  const cause = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(error);
  return new DownloadError(`${what}: cannot reach ${new URL(url).host} (${cause}): ${OFFLINE_FIX}`);
}

async function getJson(url: string, what: string, notFound?: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(METADATA_TIMEOUT_MS), headers: { accept: 'application/json' } });
  } catch (error) {
    throw fetchFailure(error, url, what);
  }
  if (res.status === 404 && notFound) throw new DownloadError(notFound);
  if (!res.ok) throw new DownloadError(`${what}: HTTP ${res.status} ${res.statusText} from ${url}`);
  try {
    return await res.json();
  } catch (error) {
    throw fetchFailure(error, url, `${what} (reading the answer as JSON)`);
  }
}

/** A version's numbers and its pre-release label, for ordering (NuGet's SemVer 2, metadata dropped). */
function versionKey(v: string): { nums: number[]; pre: string } {
  const [core, pre = ''] = v.split('+')[0].split(/-(.*)/s);
  return { nums: core.split('.').map((n) => Number(n) || 0), pre };
}

export function compareVersions(a: string, b: string): number {
  const ka = versionKey(a);
  const kb = versionKey(b);
  for (let i = 0; i < Math.max(ka.nums.length, kb.nums.length); i++) {
    const d = (ka.nums[i] ?? 0) - (kb.nums[i] ?? 0);
    if (d) return d;
  }
  if (ka.pre === kb.pre) return 0;
  if (!ka.pre) return 1; // a release sorts after its pre-releases
  if (!kb.pre) return -1;
  return ka.pre < kb.pre ? -1 : 1;
}

/** The version to install: `requested` if nuget.org has it, else the latest stable one. */
export function pickVersion(id: string, versions: string[], requested?: string): string {
  if (requested) {
    const found = versions.find((v) => v.toLowerCase() === requested.toLowerCase());
    if (!found) {
      const recent = versions.slice().sort(compareVersions).slice(-5).join(', ');
      throw new DownloadError(`nuget.org has no version ${requested} of ${id} (the latest: ${recent || 'none'})`);
    }
    return found;
  }
  const stable = versions.filter((v) => !v.split('+')[0].includes('-')).sort(compareVersions);
  if (stable.length === 0) throw new DownloadError(`nuget.org has no stable version of ${id} (pass --version to take a pre-release)`);
  return stable[stable.length - 1];
}

/** The versions nuget.org has of `id` (the flat container's index). */
export async function listVersions(id: string, feed: NugetFeed = NUGET_ORG): Promise<string[]> {
  const lower = id.toLowerCase();
  const url = `${feed.flatContainer}/${lower}/index.json`;
  const body = (await getJson(url, `listing the versions of ${id}`, `nuget.org has no package ${id}`)) as { versions?: unknown };
  if (!Array.isArray(body.versions) || !body.versions.every((v) => typeof v === 'string')) {
    throw new DownloadError(`listing the versions of ${id}: ${url} answered without a list of versions`);
  }
  return body.versions as string[];
}

/** The package's SHA-512 (base64) as nuget.org's catalog records it. */
export async function registryHash(id: string, version: string, feed: NugetFeed = NUGET_ORG): Promise<string> {
  const what = `reading the SHA-512 nuget.org records for ${id} ${version}`;
  const leafUrl = `${feed.registration}/${id.toLowerCase()}/${version.toLowerCase()}.json`;
  const leaf = (await getJson(leafUrl, what, `${what}: nuget.org has no registration for it`)) as { catalogEntry?: unknown };
  const entry = leaf.catalogEntry;
  const catalogUrl = typeof entry === 'string' ? entry : (entry as { '@id'?: unknown } | undefined)?.['@id'];
  // (Over the scheme the leaf came by: https from nuget.org.)
  const protocol = (u: unknown) => {
    try {
      return new URL(String(u)).protocol;
    } catch {
      return undefined;
    }
  };
  if (typeof catalogUrl !== 'string' || protocol(catalogUrl) !== protocol(leafUrl)) {
    throw new DownloadError(`${what}: ${leafUrl} names no catalog entry`);
  }
  const catalog = (await getJson(catalogUrl, what)) as { packageHash?: unknown; packageHashAlgorithm?: unknown };
  if (typeof catalog.packageHash !== 'string' || String(catalog.packageHashAlgorithm).toUpperCase() !== 'SHA512') {
    throw new DownloadError(`${what}: ${catalogUrl} has no SHA512 packageHash`);
  }
  return catalog.packageHash;
}

export interface Downloaded {
  url: string;
  bytes: number;
  /** base64, as NuGet writes package hashes */
  sha512: string;
}

/** Downloads `id` `version`'s .nupkg to `file` (created, never overwritten), hashing it on the way. */
export async function downloadPackage(id: string, version: string, file: string, feed: NugetFeed = NUGET_ORG): Promise<Downloaded> {
  const lower = id.toLowerCase();
  const v = version.toLowerCase();
  const url = `${feed.flatContainer}/${lower}/${v}/${lower}.${v}.nupkg`;
  const what = `downloading ${id} ${version}`;
  const controller = new AbortController();
  const overall = setTimeout(() => controller.abort(new DownloadError(`${what}: not finished after ${DOWNLOAD_TIMEOUT_MS / 60_000} minutes`)), DOWNLOAD_TIMEOUT_MS);
  let idle = setTimeout(() => controller.abort(new DownloadError(`${what}: nothing arrived for ${IDLE_TIMEOUT_MS / 1000} s`)), IDLE_TIMEOUT_MS);
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(() => controller.abort(new DownloadError(`${what}: nothing arrived for ${IDLE_TIMEOUT_MS / 1000} s`)), IDLE_TIMEOUT_MS);
  };
  try {
    let res: Response;
    try {
      res = await fetch(url, { signal: controller.signal });
    } catch (error) {
      throw fetchFailure(controller.signal.reason ?? error, url, what);
    }
    if (res.status === 404) throw new DownloadError(`${what}: nuget.org has no such package file (${url})`);
    if (!res.ok || !res.body) throw new DownloadError(`${what}: HTTP ${res.status} ${res.statusText} from ${url}`);
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > MAX_PACKAGE_BYTES) throw new DownloadError(`${what}: ${url} is ${declared} bytes, more than ${MAX_PACKAGE_BYTES}: refused`);

    const hash = createHash('sha512');
    let bytes = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        touch();
        bytes += chunk.length;
        if (bytes > MAX_PACKAGE_BYTES) return done(new DownloadError(`${what}: more than ${MAX_PACKAGE_BYTES} bytes: refused`));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>), count, createWriteStream(file, { flags: 'wx' }));
    } catch (error) {
      throw fetchFailure(controller.signal.reason ?? error, url, what);
    }
    // (A Content-Length counts the encoded bytes when the answer is compressed on the wire.)
    if (Number.isFinite(declared) && !res.headers.get('content-encoding') && bytes !== declared) throw new DownloadError(`${what}: got ${bytes} of ${declared} bytes`);
    return { url, bytes, sha512: hash.digest('base64') };
  } finally {
    clearTimeout(overall);
    clearTimeout(idle);
  }
}
