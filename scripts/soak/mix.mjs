// The soak's request mix and its client side: the weighted table of request kinds, one HTTP
// request of a kind (plain node:http on loopback, so a cut connection or a reset is seen as such),
// and the judgement of each answer against what its kind, a worker end nearby or the rolling
// SIGTERM allow.
import http from 'node:http';

const KiB = 1024;
const HUGE_BYTES = 40 * 1000 * 1000; // against maxRequestBodyBytes 30,000,000 (host.mjs)

// Every kind in one table. `weight` is out of 10,000 (the table sums to it), so exit at 5 is one
// request in 2,000: rare enough that a session's worker ends stay far below rapidFailCount.
// `plan(rnd)` draws the request (sizes, durations) from the seeded random; `expect(a)` says
// whether an answer is the one this kind must get from a healthy host. A kind marked `killer`
// ends its JavaScript worker, so the requests that worker held may fail with it (see judge()).
export const KINDS = {
  // Good requests.
  hello: { weight: 4088, plan: () => ({ path: '/hello' }), expect: (a) => a.outcome === '200' && a.text === 'hello\n' },
  download: {
    weight: 1000,
    plan: (rnd) => {
      const bytes = Math.floor(16 * KiB + rnd() * 496 * KiB);
      return { path: `/download?bytes=${bytes}&chunked=${rnd() < 0.5 ? 1 : 0}`, bytes };
    },
    expect: (a, p) => a.outcome === '200' && a.bytes === p.bytes,
  },
  upload: {
    weight: 1000,
    plan: (rnd) => ({ path: '/upload', body: Math.floor(1 * KiB + rnd() * 15 * KiB), chunked: rnd() < 0.5 }),
    expect: (a, p) => a.outcome === '200' && a.text === String(p.body),
  },
  // Slow requests: the app takes its time, or the client trickles its body in.
  slow: {
    weight: 600,
    plan: (rnd) => ({ path: `/slow?ms=${Math.floor(50 + rnd() * 450)}` }),
    expect: (a) => a.outcome === '200' && a.text === 'slow\n',
  },
  'slow-upload': {
    weight: 300,
    plan: () => ({ path: '/upload', trickle: { pieces: 4, bytes: KiB, gapMs: 60 } }),
    expect: (a) => a.outcome === '200' && a.text === String(4 * KiB),
  },
  compute: {
    weight: 100,
    plan: (rnd) => ({ path: `/compute?ms=${Math.floor(100 + rnd() * 200)}` }),
    expect: (a) => a.outcome === '200' && a.text === 'computed\n',
  },
  // App errors: a 500 page before the headers, a cut connection after them.
  throw: { weight: 700, plan: () => ({ path: '/throw' }), expect: (a) => a.outcome === '500' },
  'throw-after': { weight: 700, plan: () => ({ path: '/throw-after' }), expect: (a) => a.outcome === 'closed' },
  // Disconnects: mid-upload, mid-download, and while the app computes (long enough for the
  // extension's once-a-second client check to fire isapi.signal).
  'upload-leave': { weight: 700, plan: () => ({ path: '/upload', leave: 'mid-upload', body: 256 * KiB }), expect: (a) => a.outcome === 'left' },
  'download-leave': {
    weight: 700,
    plan: () => ({ path: `/download?bytes=${4 * 1024 * KiB}`, leave: 'first-byte' }),
    expect: (a) => a.outcome === 'left',
  },
  'compute-leave': { weight: 100, plan: () => ({ path: '/compute?ms=3000', leave: 'after-ms', leaveMs: 100 }), expect: (a) => a.outcome === 'left' },
  // Fatal to the worker: process.exit() answers 502; a hung loop 502 or 504 once the watchdog
  // ends it.
  exit: { weight: 5, killer: true, plan: () => ({ path: '/exit' }), expect: (a) => a.outcome === '502' },
  hang: { weight: 2, killer: true, plan: () => ({ path: '/hang' }), expect: (a) => a.outcome === '502' || a.outcome === '504' },
  // A 40 MB chunked upload against the body limit: 413, or the connection closed on it.
  huge: {
    weight: 5,
    plan: () => ({ path: '/huge', stream: HUGE_BYTES }),
    expect: (a) => a.outcome === '413' || a.outcome === 'closed',
  },
};
const tableWeight = Object.values(KINDS).reduce((s, k) => s + k.weight, 0);
if (tableWeight !== 10000) throw new Error(`the KINDS weights sum to ${tableWeight}, not 10000`);

/**
 * The kinds in play and a seeded picker over them. `weights` (name → weight) overrides the table
 * for a run that narrows a failure down (--skip, --weight).
 */
export function makeMix(rnd, weights = {}) {
  const active = Object.entries(KINDS)
    .map(([name, k]) => [name, k, weights[name] ?? k.weight])
    .filter(([, , w]) => w > 0);
  const sum = active.reduce((s, [, , w]) => s + w, 0);
  return {
    names: active.map(([name]) => name),
    pick() {
      let r = rnd() * sum;
      for (const [name, k, w] of active) if ((r -= w) < 0) return { kind: name, plan: k.plan(rnd) };
      const [name, k] = active[0];
      return { kind: name, plan: k.plan(rnd) };
    },
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * One request of a kind; resolves with its answer, never rejects. `outcome` is the status code
 * ('200', '500', …), 'closed' (connection reset or cut before the response was complete),
 * 'refused' (no connection at all: the listener closed on SIGTERM), 'left' (this client hung up
 * on purpose) or 'unanswered' (nothing within clientTimeoutMs: always a failure).
 *
 * A request that found its kept-alive connection closed under it, before any byte of an answer,
 * is sent once more on a fresh connection, as HTTP clients do (RFC 9112 §9.3.1): the host, like
 * IIS, closes a connection after a session that ended in error (a 500 or 502 page, a 413 with the
 * body unread) without a `Connection: close`, and the agent may hand the socket to the next
 * request before the FIN arrives. The answer is then the retry's, marked `retried`.
 */
export async function send(kind, plan, ctx) {
  const first = await sendOnce(kind, plan, ctx, false);
  if (!(first.outcome === 'closed' && first.status === null && first.reusedSocket && !plan.leave)) return first;
  // Retried on a fresh connection: the retry cannot be a stale socket itself.
  const again = await sendOnce(kind, plan, ctx, true);
  return { ...again, t0: first.t0, retried: true };
}

// Every socket a request was given. The agent marks req.reusedSocket only when it takes a socket
// from its free list, not when it hands a freed one straight to a queued request, so whether a
// connection served before is told here.
const socketsSeen = new WeakSet();

function sendOnce(kind, plan, { port, agent, clientTimeoutMs }, fresh) {
  return new Promise((done) => {
    const t0 = Date.now();
    let settled = false;
    let bytes = 0;
    let status = null;
    const head = [];
    const settle = (outcome, detail = '') => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // An answer that came before this side ended its body (a 413 mid-upload): the agent would
      // keep that socket forever, waiting for an end() that will not come. It goes instead.
      if (!req.writableEnded) req.destroy();
      const text = Buffer.concat(head).toString('latin1').slice(0, 256);
      done({ kind, plan, outcome, status, bytes, text, detail, t0, t1: Date.now(), reusedSocket });
    };
    const leave = (why) => {
      settle('left', why); // first: the destroy below makes the response report a cut
      req.destroy();
    };

    const method = plan.body !== undefined || plan.trickle || plan.stream ? 'POST' : 'GET';
    const headers = {};
    if (plan.body !== undefined && !plan.chunked) headers['Content-Length'] = String(plan.body);
    if (plan.trickle) headers['Content-Length'] = String(plan.trickle.pieces * plan.trickle.bytes);
    // A client that leaves gets its own connection, so its reset never lands on a pooled socket.
    const req = http.request({ host: '127.0.0.1', port, path: plan.path, method, headers, agent: plan.leave || fresh ? false : agent }, (res) => {
      status = res.statusCode;
      res.on('data', (chunk) => {
        if (bytes < 256) head.push(chunk);
        bytes += chunk.length;
        if (plan.leave === 'first-byte') leave('mid-download');
      });
      // A response is answered only if it arrived whole; else the connection was cut under it.
      res.on('end', () => (res.complete ? settle(String(res.statusCode)) : settle('closed', `${res.statusCode} cut after ${bytes} bytes`)));
      res.on('close', () => settle('closed', `${res.statusCode} cut after ${bytes} bytes`));
      res.on('error', () => {}); // 'close' follows and decides
    });
    let reusedSocket = false;
    req.on('socket', (socket) => {
      reusedSocket = socketsSeen.has(socket);
      socketsSeen.add(socket);
    });
    req.on('error', (e) => settle(e.code === 'ECONNREFUSED' ? 'refused' : 'closed', e.code ?? e.message));
    const timer = setTimeout(() => {
      req.destroy();
      settle('unanswered', `nothing within ${clientTimeoutMs} ms (status ${status}, ${bytes} bytes)`);
    }, clientTimeoutMs);

    if (plan.leave === 'mid-upload') {
      // Half the announced body, then the connection closed under the app's read.
      req.write(Buffer.alloc(plan.body / 2, 0x62));
      setTimeout(() => leave('mid-upload'), 1);
    } else if (plan.trickle) {
      (async () => {
        // The last piece goes with end(): the app may answer as soon as the announced length is in.
        for (let i = 1; i < plan.trickle.pieces && !settled; i++) {
          req.write(Buffer.alloc(plan.trickle.bytes, 0x62));
          await sleep(plan.trickle.gapMs);
        }
        if (!settled) req.end(Buffer.alloc(plan.trickle.bytes, 0x62));
      })();
    } else if (plan.stream) {
      streamBody(req, plan.stream, () => settled);
    } else if (plan.body !== undefined) {
      const body = Buffer.alloc(plan.body, 0x62);
      if (plan.chunked) {
        // write() before end() sends the headers without a length: the body goes chunked.
        req.write(body);
        req.end();
      } else {
        req.end(body);
      }
    } else {
      req.end();
      if (plan.leave === 'after-ms') setTimeout(() => leave('during the computation'), plan.leaveMs);
    }
  });
}

/** A chunked body of `total` bytes, back-pressured, given up as soon as the request is over. */
async function streamBody(req, total, over) {
  const piece = Buffer.alloc(64 * KiB, 0x63);
  for (let sent = 0; sent < total && !over() && !req.destroyed; sent += piece.length) {
    if (!req.write(piece.subarray(0, Math.min(piece.length, total - sent)))) {
      await new Promise((r) => {
        const go = () => {
          req.off('drain', go);
          req.off('close', go);
          r();
        };
        req.on('drain', go);
        req.on('close', go);
      });
    }
  }
  if (!over() && !req.destroyed) req.end();
}

/**
 * The verdict on one answer: 'expected' (what its kind must get), 'worker-end' (a 502, 503, 504
 * or a cut connection while a killer request of the same session was in flight, give or take a
 * second: the worker that ended held it), 'shutdown' (refused, 503, or reset before any response,
 * for a request sent after the SIGTERM or just before it), 'unanswered', or 'unexpected'
 * (anything else: a failure).
 */
export function judge(a, killers, sigtermAt) {
  if (a.outcome === 'unanswered') return 'unanswered';
  if (KINDS[a.kind].expect(a, a.plan)) return 'expected';
  const KILLER_SLACK_MS = 1000;
  if (['502', '503', '504', 'closed'].includes(a.outcome) && killers.some((k) => k.t0 <= a.t1 + KILLER_SLACK_MS && a.t0 <= k.t1 + KILLER_SLACK_MS))
    return 'worker-end';
  // The host drains on SIGTERM: what it had started serving must finish. Only a request it had
  // not read yet may meet the closed listener or a kept-alive connection closed as idle; one
  // written shortly before the SIGTERM (a loaded host reads it late) is that race, not a cut.
  const RACE_MS = 250;
  const refusedOrReset = a.outcome === 'refused' || a.outcome === '503' || (a.outcome === 'closed' && a.status === null);
  if (sigtermAt !== null && a.t0 >= sigtermAt - RACE_MS && refusedOrReset) return 'shutdown';
  return 'unexpected';
}
