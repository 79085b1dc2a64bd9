// The out-of-process worker's entry point: the extension runs `node <package>/dist/worker/main.js`
// with the user's own Node ("nodePath"). Its first job is to say clearly when that Node is too old,
// so this file must run on any Node: nothing is imported at the top (TypeScript hoists imports
// into require() calls that would run first, and the modules behind them use newer syntax and
// APIs), and the check below uses nothing newer than ES2015.

const MIN_NODE_MAJOR = 18;
/** The exit code that tells the extension this Node is too old (docs/protocol.md; kNodeTooOldExit). */
const NODE_TOO_OLD_EXIT = 3;
const found = String(process.versions.node);
const major = parseInt(found.split('.')[0], 10);

if (!(major >= MIN_NODE_MAJOR)) {
  process.stderr.write(
    'isapi-node: the out-of-process worker needs Node ' + MIN_NODE_MAJOR + ' or later, but ' + process.execPath +
      ' is Node ' + found + ': install Node ' + MIN_NODE_MAJOR + ' or later, or set "nodePath" in the configuration to a newer node\n',
  );
  // Not process.exit(): the message is flushed first (a pipe on Windows writes asynchronously).
  process.exitCode = NODE_TOO_OLD_EXIT;
} else {
  const worker = require('./run.js') as typeof import('./run.js');
  void worker.run();
}

export {};
