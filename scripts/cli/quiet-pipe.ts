/**
 * Imported FIRST by every command-line tool in scripts/ (`import './cli/quiet-pipe';`): when the reader of its output
 * goes away (`npm run capacity -- --rps 1000 | head -3`, a pager closed early, a process manager's log pipe closed),
 * the tool exits quietly instead of dying with an EPIPE stack trace. The exit status is 0, or the failure status the
 * tool had already set in `process.exitCode` (e.g. the relay's 2 once a pass failed to publish): losing the reader
 * is not a failure of the command, and it never hides one.
 *
 * Node ignores SIGPIPE, so a write to a pipe nobody reads fails with EPIPE, which the stream reports as an 'error'
 * event; without a listener that event is thrown. A listener on stdout and stderr turns it into this exit.
 */

/** The status to leave with once the reader is gone. */
export const exitStatusWithoutReader = (): number => {
  const decided = Number(process.exitCode ?? 0);
  return Number.isInteger(decided) ? decided : 0;
};

const isReaderGone = (error: unknown): boolean => {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  // EPIPE: the reader closed the pipe; ERR_STREAM_DESTROYED: a write after that first failure.
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
};

const exitQuietlyWhenReaderGoes = (stream: NodeJS.WriteStream): void => {
  stream.on('error', (error: Error) => {
    if (isReaderGone(error)) process.exit(exitStatusWithoutReader());
    throw error; // anything else is as loud as before
  });
};

exitQuietlyWhenReaderGoes(process.stdout);
exitQuietlyWhenReaderGoes(process.stderr);
