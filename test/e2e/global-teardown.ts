import type { ChildProcess } from 'node:child_process';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Stops the stack the way a developer does (Ctrl-C = SIGINT) and checks it left no java behind. */
export default async function globalTeardown(): Promise<void> {
  const child = (globalThis as { __localStack__?: ChildProcess }).__localStack__;
  const javaPid = (globalThis as { __dynamodbPid__?: number }).__dynamodbPid__;
  if (child === undefined || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  // The timer is cleared once the stack exits: a pending 15 s timer would keep jest from exiting.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 15_000)))]);
  clearTimeout(timer);
  if (child.exitCode === null) {
    child.kill('SIGKILL');
    throw new Error('the local stack did not stop within 15 s of SIGINT');
  }
  child.stdout?.destroy();
  child.stderr?.destroy();
  if (javaPid !== undefined && alive(javaPid)) {
    process.kill(javaPid, 'SIGKILL');
    throw new Error(`Ctrl-C left DynamoDB Local (java, pid ${javaPid}) running`);
  }
}
