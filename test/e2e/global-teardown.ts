import type { ChildProcess } from 'node:child_process';
import { stopLocalStack } from './support/local-stack';

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
  if (!(await stopLocalStack(child))) throw new Error('the local stack did not stop within 15 s of SIGINT');
  if (javaPid !== undefined && alive(javaPid)) {
    process.kill(javaPid, 'SIGKILL');
    throw new Error(`Ctrl-C left DynamoDB Local (java, pid ${javaPid}) running`);
  }
}
