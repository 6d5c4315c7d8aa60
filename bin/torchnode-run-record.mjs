// Preloaded into every Node rank by torchnode-run (node --import): records the rank's fatal error
// in TORCHELASTIC_ERROR_FILE, in the JSON that torchrun's @record writes, so the launcher can tell
// the rank that failed first from the ranks that failed because of it (a peer's connection reset
// comes after the first rank's error, but its exit may be observed first). Observes only: the
// process fails exactly as it would without it.
import { writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const file = process.env.TORCHELASTIC_ERROR_FILE;
// Only the rank itself: node processes it starts inherit the flag and the variable.
const isRank = String(process.ppid) === process.env.TORCHNODE_RUN_PID;
if (file && isMainThread && isRank) {
  let first = null;
  const write = (exitCode) => {
    try {
      writeFileSync(file, JSON.stringify({ message: { message: first.message, extraInfo: first.extraInfo }, exitCode }));
    } catch {
      // A missing log directory must not change how the rank fails.
    }
  };
  const record = (message, stack) => {
    if (first) return;
    const now = Date.now();
    first = { message, extraInfo: { py_callstack: stack, timestamp: String(Math.floor(now / 1000)), timestampMs: now } };
  };
  // The time and the error are written when they happen (the launcher may stop this process while
  // it tears down); the exit code once it is known.
  process.on('uncaughtExceptionMonitor', (err) => {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : `Uncaught ${String(err)}`;
    record(message, err instanceof Error && err.stack ? err.stack : message);
    write(1);
  });
  process.on('exit', (code) => {
    if (code === 0) return;
    record(`process exited with code ${code}`, `process exited with code ${code}`);
    write(code);
  });
}
