// Summaries (median with min and max) and the markdown table.
export function summary(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  return { median: v[Math.floor((v.length - 1) / 2)], min: v[0], max: v[v.length - 1], n: v.length };
}

const fmt = (x, digits = 0) => (x == null || !Number.isFinite(x) ? '—' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const range = (s, digits = 0) => (s ? `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})` : '—');

export function markdown(results) {
  const lines = [];
  lines.push(`Run ${results.date} on ${results.machine.cpus} CPUs, Node ${results.machine.node}, mode ${results.mode}${results.machine.pinned ? ' (pinned: servers on CPU 0, wrk and curl on CPU 1)' : ''}, ${results.rounds} round(s) of ${results.seconds} s each (median, min–max).`, '');
  lines.push('| workload | contender | requests/s | p50 ms | p99 ms | CPU µs/request | errors |', '|---|---|---|---|---|---|---|');
  for (const w of results.workloads) {
    for (const [name, r] of Object.entries(w.results)) {
      lines.push(`| ${w.name} | ${name} | ${range(r.rps)} | ${fmt(r.p50?.median, 2)} | ${fmt(r.p99?.median, 2)} | ${fmt(r.cpuUs?.median, 1)} | ${r.errors} |`);
    }
  }
  lines.push('', '| ratio (requests/s, medians) | ' + results.workloads.map((w) => w.name).join(' | ') + ' |');
  lines.push('|---|' + results.workloads.map(() => '---').join('|') + '|');
  const ratioNames = [...new Set(results.workloads.flatMap((w) => Object.keys(w.ratios)))];
  for (const ratio of ratioNames) lines.push(`| ${ratio} | ` + results.workloads.map((w) => fmt(w.ratios[ratio], 2)).join(' | ') + ' |');
  lines.push('', '| transfer (100 MB) | contender | MB/s | peak RSS growth MB |', '|---|---|---|---|');
  for (const t of results.transfers) lines.push(`| ${t.name} | ${t.contender} | ${range(t.mbPerSecond)} | ${fmt(t.rssGrowthMB?.median, 1)} |`);
  lines.push('', '| contender | cold start ms | idle RSS MB |', '|---|---|---|');
  for (const [name, c] of Object.entries(results.contenders)) lines.push(`| ${name} | ${fmt(c.coldStartMs)} | ${fmt(c.idleMB, 1)} |`);
  return lines.join('\n') + '\n';
}
