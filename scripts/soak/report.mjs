// The soak's verdict and its tables: what every session's host, stats file, trace and answers
// say, checked against the pass conditions, and printed so a failure names itself.
export const RSS_GROWTH_LIMIT_KB = 64 * 1024;

const VERDICTS = ['expected', 'worker-end', 'shutdown', 'unexpected', 'unanswered'];
const mb = (kb) => (kb === undefined || kb === null || Number.isNaN(kb) ? '?' : (kb / 1024).toFixed(1));
/** RSS growth within a session, in kB: between the settled medians when the session was long enough. */
export function growthKb(s) {
  if (s.memory.settled) return (s.memory.settled.endMb - s.memory.settled.startMb) * 1024;
  return s.memory.start && s.memory.end ? s.memory.end.rss - s.memory.start.rss : null;
}
const startKb = (s) => (s.memory.settled ? s.memory.settled.startMb * 1024 : s.memory.start?.rss);
const endKb = (s) => (s.memory.settled ? s.memory.settled.endMb * 1024 : s.memory.end?.rss);

/** Every check that failed, as a sentence; empty when the soak passed. */
export function evaluate({ results, sessions, total, maxSeconds, rssLimitKb }) {
  const failures = [];
  const sent = results.reduce((s, r) => s + r.sent, 0);
  if (results.length < sessions || sent < total)
    failures.push(
      `only ${sent} of ${total} requests in ${results.length} of ${sessions} sessions were sent ` +
        `(--max-seconds ${maxSeconds} reached, or a host that did not start)`,
    );
  for (const s of results) {
    const at = `session ${s.n} (host seed ${s.seed})`;
    if (s.startFailure) failures.push(`${at}: the host did not start: ${s.startFailure.split('\n')[0]}`);
    if (s.exit?.signal || s.exit?.code !== 0)
      failures.push(`${at}: host crash: exit ${s.exit?.code ?? 'none'}, signal ${s.exit?.signal ?? 'none'} (3: a contract violation, --strict)`);
    if (s.startFailure) continue;
    if (!s.stats) {
      failures.push(`${at}: no stats file`);
      continue;
    }
    if (s.stats.violations.length) failures.push(`${at}: ${s.stats.violations.length} contract violation(s)`);
    if (s.stats.sessions.started !== s.stats.sessions.done)
      failures.push(`${at}: ISAPI sessions started ${s.stats.sessions.started} != done ${s.stats.sessions.done}`);
    if (s.stats.unhealthy?.length) failures.push(`${at}: the extension reported itself unhealthy: ${s.stats.unhealthy[0]}`);
    if (!s.stats.extension?.terminated) failures.push(`${at}: the drain did not finish in time, or TerminateExtension failed`);
    if (s.sanitizerReports) failures.push(`${at}: ${s.sanitizerReports} sanitizer report(s)`);
    const growth = growthKb(s);
    if (growth === null)
      failures.push(`${at}: no RSS sample (warm-up ${s.memory.start ? 'taken' : 'missing'}, end ${s.memory.end ? 'taken' : 'missing'})`);
    else if (growth >= rssLimitKb) failures.push(`${at}: RSS grew by ${mb(growth)} MB (limit ${mb(rssLimitKb)} MB)`);
  }
  const totals = verdictTotals(results);
  if (totals.unanswered) failures.push(`${totals.unanswered} request(s) unanswered (the client timeout fired)`);
  if (totals.unexpected) failures.push(`${totals.unexpected} unexpected answer(s)`);
  return failures;
}

function verdictTotals(results) {
  const totals = Object.fromEntries(VERDICTS.map((v) => [v, 0]));
  for (const s of results)
    for (const { verdicts } of Object.values(s.counts)) for (const [v, n] of Object.entries(verdicts)) totals[v] += n;
  return totals;
}

/** Right-aligned columns; the first left-aligned. */
function table(header, rows) {
  const all = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}

export function printReport(summary, failures) {
  const { results, seed, build, seconds } = summary;
  // Answers by kind, over all sessions: what came back (status or closed/left/refused/unanswered)
  // and the verdict on it.
  const byKind = {};
  const outcomes = new Set();
  for (const s of results)
    for (const [kind, { outcomes: o, verdicts: v, ms, maxMs, retried }] of Object.entries(s.counts)) {
      const k = (byKind[kind] ??= { outcomes: {}, verdicts: {}, ms: 0, maxMs: 0, retried: 0 });
      k.ms += ms;
      k.retried += retried;
      k.maxMs = Math.max(k.maxMs, maxMs);
      for (const [name, n] of Object.entries(o)) {
        k.outcomes[name] = (k.outcomes[name] ?? 0) + n;
        outcomes.add(name);
      }
      for (const [name, n] of Object.entries(v)) k.verdicts[name] = (k.verdicts[name] ?? 0) + n;
    }
  const outcomeColumns = [...outcomes].sort((a, b) => (isNaN(a) - isNaN(b)) || a.localeCompare(b));
  const sum = (o) => Object.values(o).reduce((a, b) => a + b, 0);
  const kindRows = Object.entries(byKind)
    .sort(([, a], [, b]) => sum(b.outcomes) - sum(a.outcomes))
    .map(([kind, k]) => [
      kind,
      sum(k.outcomes),
      ...outcomeColumns.map((c) => k.outcomes[c] ?? 0),
      ...VERDICTS.map((v) => k.verdicts[v] ?? 0),
      k.retried,
      Math.round(k.ms / sum(k.outcomes)),
      k.maxMs,
    ]);
  const columnTotals = (i) => kindRows.reduce((s, r) => s + r[i], 0);
  const header = ['kind', 'sent', ...outcomeColumns, ...VERDICTS, 'retried', 'mean ms', 'max ms'];
  kindRows.push(['total', ...header.slice(1, -2).map((_, i) => columnTotals(i + 1)), '', '']);
  console.log(
    '\nanswers by kind (status, or closed / left / refused / unanswered), verdict, retries on a fresh connection after a ' +
      'kept-alive one was found closed, and time to the outcome:',
  );
  console.log(table(header, kindRows));

  console.log('\nhost sessions (ISAPI sessions from the stats file; RSS of isapi-host after the warm-up and before the SIGTERM, medians of ten one-second samples):');
  console.log(
    table(
      ['#', 'host seed', 'requests', 'seconds', 'drain s', 'exit', 'ISAPI started', 'ISAPI done', 'violations']
        .concat(['RSS warm MB', 'RSS end MB', 'growth MB', 'peak MB']),
      results.map((s) => [
        s.n,
        s.seed,
        s.sent,
        s.seconds.toFixed(1),
        s.drainSeconds?.toFixed(1) ?? '?',
        s.exit?.signal ?? s.exit?.code ?? '?',
        s.stats?.sessions?.started ?? '?',
        s.stats?.sessions?.done ?? '?',
        s.stats?.violations?.length ?? '?',
        mb(startKb(s)),
        mb(endKb(s)),
        mb(growthKb(s)),
        mb(s.memory.end?.peak),
      ]),
    ),
  );
  // Inside the extension, from its trace channel: what the killer requests did to the workers,
  // and how many departures the compute route heard of through isapi.signal.
  console.log('\nJavaScript workers (from the trace channel):');
  console.log(
    table(
      ['#', 'killers sent', 'process.exit()', 'hang stops', 'heap stops', 'ends', 'restarts', 'failed restarts', 'isapi.signal stops'],
      results.map((s) => [
        s.n,
        s.killersSent ?? 0,
        ...['exitCalls', 'hangStops', 'heapStops', 'workerEnds', 'restarts', 'restartFailures', 'computeStops'].map((k) => s.traceNotes[k] ?? 0),
      ]),
    ),
  );

  const totals = verdictTotals(results);
  const sent = results.reduce((a, s) => a + s.sent, 0);
  const crashes = results.filter((s) => s.exit?.signal || s.exit?.code !== 0).length;
  const violations = results.reduce((a, s) => a + (s.stats?.violations?.length ?? 0), 0);
  const balanced = results.every((s) => s.stats && s.stats.sessions.started === s.stats.sessions.done);
  const growths = results.map(growthKb).filter((g) => g !== null);
  const outcomeTotal = (name) =>
    results.reduce((a, s) => a + Object.values(s.counts).reduce((b, k) => b + (k.outcomes[name] ?? 0), 0), 0);
  const answered = sent - ['closed', 'left', 'refused', 'unanswered'].reduce((a, o) => a + outcomeTotal(o), 0);
  console.log(
    `\nseed ${seed}, build ${build}, ${seconds.toFixed(1)} s: ${sent} requests sent, ${answered} answered with a status, ` +
      `${outcomeTotal('closed')} closed, ${outcomeTotal('left')} left by the client, ` +
      `${outcomeTotal('refused')} refused after the SIGTERM, ` +
      `${totals.unanswered} unanswered; verdicts: ${VERDICTS.map((v) => `${v} ${totals[v]}`).join(', ')}`,
  );
  console.log(
    `host crashes ${crashes}, contract violations ${violations}, ` +
      `ISAPI sessions started == done in every host session: ${balanced ? 'yes' : 'NO'}, ` +
      `max RSS growth ${growths.length ? mb(Math.max(...growths)) : '?'} MB (limit ${mb(summary.rssLimitKb)} MB)`,
  );

  // Enough of each failure to start from: the first odd answers, violations, host stderr.
  for (const s of results) {
    for (const a of s.oddities.slice(0, 10))
      console.log(
        `session ${s.n}: ${a.kind} ${a.plan.path}: ${a.outcome} ${a.detail} after ${a.t1 - a.t0} ms` +
          `${a.retried ? ', on the retry' : ''}${a.reusedSocket ? ', on a kept-alive connection' : ', on a new connection'}`,
      );
    const growth = growthKb(s);
    if (growth !== null && growth >= summary.rssLimitKb / 2)
      console.log(`session ${s.n} RSS, MB, once a second (a climb is a leak, a step that stays is retention): ${s.memory.trend.join(' ')}`);
    if (s.stats?.violations?.length)
      console.log(`session ${s.n} violations:`, JSON.stringify(s.stats.violations.slice(0, 10), null, 2));
    if (s.sanitizerReports || s.startFailure || s.exit?.code !== 0) console.log(`session ${s.n} host stderr:\n${s.stderrHead}`);
  }
  if (failures.length) console.log(`\nfailed checks:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
}
