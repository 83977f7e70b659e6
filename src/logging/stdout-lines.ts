/** Flush before this much text is pending, so one busy turn cannot hold an unbounded string. */
const MAX_PENDING_CHARS = 64 * 1024;

let pending: string[] = [];
let pendingChars = 0;
let exitHookInstalled = false;

/** Writes every pending line in one write(2). */
export function flushLogLines(): void {
  if (pending.length === 0) return;
  const text = pending.join('');
  pending = [];
  pendingChars = 0;
  process.stdout.write(text);
}

/**
 * Queues one log line (newline included) for stdout. The lines of one event-loop turn leave together at its end
 * (setImmediate): under load one turn answers tens of requests, which log two or more lines each, and each line was
 * one system call. Order is kept. Pending lines are written synchronously when the process exits (stdout is
 * synchronous for files and pipes on Linux), so a process.exit() right after a log call loses nothing.
 */
export function writeLogLine(line: string): void {
  if (!exitHookInstalled) {
    process.once('exit', flushLogLines);
    exitHookInstalled = true;
  }
  if (pending.length === 0) setImmediate(flushLogLines);
  pending.push(line);
  pendingChars += line.length;
  if (pendingChars >= MAX_PENDING_CHARS) flushLogLines();
}
