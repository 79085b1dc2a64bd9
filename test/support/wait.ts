// Waiting for something the system under test does in its own time (a worker restarting, a trace
// record written), bounded: the last value is returned when time runs out, for the test to judge.

export async function until<T>(probe: () => T, done: (value: T) => boolean, ms: number, everyMs = 20): Promise<T> {
  const deadline = Date.now() + ms;
  let value = probe();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, everyMs));
    value = probe();
  }
  return value;
}
