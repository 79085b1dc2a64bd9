// The seeded random numbers the stress and soak runs pick their requests with, so a failing run
// replays with its seed. mulberry32: small, and good enough to pick request kinds reproducibly.
export function seededRandom(state) {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
