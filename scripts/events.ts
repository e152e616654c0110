// First: exit quietly (status 0) when the reader of stdout goes away, e.g. `| head` (scripts/cli/quiet-pipe.ts).
import './cli/quiet-pipe';
import { open, stat, watch } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

/**
 * `npm run events`: follows .local/events.jsonl (EVENTS_FILE, or LOCAL_DIR/events.jsonl) like `tail -f`,
 * printing the OrderCompleted events the local subscriber receives. Waits for the file to appear, starts
 * at its end (`-- --all` prints what is already there first), and follows it when it is truncated or
 * replaced. Plain Node, so it behaves the same on macOS and Linux. Ctrl-C stops it.
 */
const eventsFile = resolve(process.env.EVENTS_FILE ?? resolve(process.env.LOCAL_DIR ?? '.local', 'events.jsonl'));
const fromStart = parseArgs({ options: { all: { type: 'boolean' } }, strict: false }).values.all === true;
const POLL_MS = 250;

const sizeOf = async (file: string): Promise<number | undefined> => {
  try {
    return (await stat(file)).size;
  } catch {
    return undefined;
  }
};

/** Prints bytes [from, to) of the file, whole lines only; returns the offset after the last full line. */
const printNew = async (from: number, to: number): Promise<number> => {
  const handle = await open(eventsFile, 'r');
  try {
    const buffer = Buffer.alloc(to - from);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    const end = text.lastIndexOf('\n');
    if (end < 0) return from;
    process.stdout.write(text.slice(0, end + 1));
    return from + Buffer.byteLength(text.slice(0, end + 1));
  } finally {
    await handle.close();
  }
};

const follow = async (): Promise<void> => {
  const size = await sizeOf(eventsFile);
  let offset = 0; // a file that appears later is printed from its start
  if (size === undefined) {
    console.error(
      `waiting for ${eventsFile} (it appears with the first OrderCompleted event; is npm start running?)...`,
    );
    while ((await sizeOf(eventsFile)) === undefined) await sleep(POLL_MS);
  } else if (!fromStart) {
    offset = size;
    console.error(`following ${eventsFile} (new events only; --all for the whole file)`);
  }
  // fs.watch wakes us early on most systems; polling covers the rest (network folders, editors replacing files).
  const watcher = watch(dirname(eventsFile), { persistent: false });
  let wake: (() => void) | undefined;
  void (async () => {
    try {
      for await (const change of watcher) if (change.filename === basename(eventsFile)) wake?.();
    } catch {
      // watching is an optimisation only
    }
  })();
  for (;;) {
    const current = await sizeOf(eventsFile);
    if (current !== undefined && current < offset) offset = 0; // truncated or replaced (a new npm start)
    if (current !== undefined && current > offset) offset = await printNew(offset, current);
    await new Promise<void>((done) => {
      wake = done;
      setTimeout(done, POLL_MS);
    });
  }
};

follow().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
