// The dynamic section of a Linux shared library, read from the file (no ldd, which runs the
// loader): the libraries it needs (DT_NEEDED) and where it asks the loader to look (DT_RUNPATH,
// DT_RPATH). Enough to tell which libnode the in-process runtime needs and where it would be found.
import { readFileSync } from 'node:fs';

export interface ElfDynamic {
  needed: string[];
  /** DT_RUNPATH, else DT_RPATH, split into folders ($ORIGIN left as is). */
  runpath: string[];
}

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const DT_NULL = 0n;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;
const DT_RPATH = 15n;
const DT_RUNPATH = 29n;

export function readElfDynamic(file: string): ElfDynamic | Error {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (error) {
    return new Error(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return parse(buf, file);
  } catch (error) {
    return new Error(`${file} is not an ELF shared library this can read (${(error as Error).message})`);
  }
}

function parse(buf: Buffer, file: string): ElfDynamic | Error {
  if (buf.length < 64 || buf.toString('latin1', 0, 4) !== '\x7fELF') return new Error(`${file} is not an ELF file`);
  const is64 = buf[4] === 2;
  const little = buf[5] === 1;
  const u16 = (o: number) => (little ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number) => (little ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const word = (o: number): bigint => (is64 ? (little ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o)) : BigInt(u32(o)));
  const phoff = Number(word(is64 ? 0x20 : 0x1c));
  const phentsize = u16(is64 ? 0x36 : 0x2a);
  const phnum = u16(is64 ? 0x38 : 0x2c);

  const loads: { vaddr: bigint; offset: bigint; filesz: bigint }[] = [];
  let dynamic: { offset: number; size: number } | undefined;
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    const type = u32(p);
    // Elf64_Phdr: type, flags, offset, vaddr, paddr, filesz; Elf32_Phdr: type, offset, vaddr, paddr, filesz.
    const offset = is64 ? word(p + 8) : word(p + 4);
    const vaddr = is64 ? word(p + 16) : word(p + 8);
    const filesz = is64 ? word(p + 32) : word(p + 16);
    if (type === PT_LOAD) loads.push({ vaddr, offset, filesz });
    if (type === PT_DYNAMIC) dynamic = { offset: Number(offset), size: Number(filesz) };
  }
  if (!dynamic) return new Error(`${file} has no dynamic section (not a shared library)`);

  const entry = is64 ? 16 : 8;
  const entries: [bigint, bigint][] = [];
  for (let o = dynamic.offset; o + entry <= dynamic.offset + dynamic.size; o += entry) {
    const tag = word(o);
    if (tag === DT_NULL) break;
    entries.push([tag, word(o + entry / 2)]);
  }
  const strtabAddr = entries.find(([tag]) => tag === DT_STRTAB)?.[1];
  if (strtabAddr === undefined) return new Error(`${file} has no string table`);
  const segment = loads.find((l) => strtabAddr >= l.vaddr && strtabAddr < l.vaddr + l.filesz);
  if (!segment) return new Error(`${file}'s string table is outside its segments`);
  const strtab = Number(strtabAddr - segment.vaddr + segment.offset);
  const str = (at: bigint) => {
    const start = strtab + Number(at);
    const end = buf.indexOf(0, start);
    return buf.toString('utf8', start, end < 0 ? buf.length : end);
  };
  const needed = entries.filter(([tag]) => tag === DT_NEEDED).map(([, v]) => str(v));
  const runpathEntry = entries.find(([tag]) => tag === DT_RUNPATH) ?? entries.find(([tag]) => tag === DT_RPATH);
  const runpath = runpathEntry ? str(runpathEntry[1]).split(':').filter(Boolean) : [];
  return { needed, runpath };
}
