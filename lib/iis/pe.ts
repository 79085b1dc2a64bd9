// Which machine a Windows DLL or EXE was built for, read from its PE header: a 64-bit
// application pool loads only x64 DLLs, a 32-bit one (enable32BitAppOnWin64) only x86 ones, and
// IIS reports the mismatch only as a failure to load the module.
import { closeSync, openSync, readSync } from 'node:fs';

export type Bitness = 32 | 64;

const MACHINES: Record<number, { name: string; bitness: Bitness }> = {
  0x014c: { name: 'x86', bitness: 32 },
  0x8664: { name: 'x64', bitness: 64 },
  0xaa64: { name: 'arm64', bitness: 64 },
};

export interface PeImage {
  machine: string;
  bitness: Bitness;
}

/** The image's machine, or an Error saying why `file` is not a PE image we know. */
export function readPeImage(file: string): PeImage | Error {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    return new Error(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    const dos = Buffer.alloc(64);
    if (readSync(fd, dos, 0, 64, 0) < 64 || dos.toString('latin1', 0, 2) !== 'MZ') return new Error(`${file} is not a Windows DLL (no MZ header)`);
    const peOffset = dos.readUInt32LE(0x3c);
    const pe = Buffer.alloc(6);
    if (readSync(fd, pe, 0, 6, peOffset) < 6 || pe.toString('latin1', 0, 4) !== 'PE\0\0') return new Error(`${file} is not a Windows DLL (no PE header)`);
    const machine = MACHINES[pe.readUInt16LE(4)];
    if (!machine) return new Error(`${file} is built for machine 0x${pe.readUInt16LE(4).toString(16)}, which IIS on x86 or x64 cannot load`);
    return { machine: machine.name, bitness: machine.bitness };
  } finally {
    closeSync(fd);
  }
}
