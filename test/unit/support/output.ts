import { jest } from '@jest/globals';
import { inspect } from 'node:util';

/**
 * The one output capture of the unit tests: everything written to stdout and stderr (Powertools logs and EMF metrics)
 * and, with `console`, what console methods print (in Lambda console output is logged too; Jest's console does not
 * write to process.stdout). Undone by jest.restoreAllMocks().
 */
export const captureOutput = (into: string[], options: { console?: boolean } = {}): void => {
  const capture = (chunk: string | Uint8Array): boolean => {
    into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  if (options.console !== true) return;
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      into.push(`${args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg, { depth: 10 }))).join(' ')}\n`);
    });
  }
};
