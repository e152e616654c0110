import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { serverlessEsbuildOptions } from './esbuild-options';

/** Builds the bench subject (the deployable handler), its baseline, and the bench's own runner scripts. */
export interface Bundle {
  /** The entry file (the handler module). */
  file: string;
  /** Bytes of every output file (entry and any chunks; source maps not counted). */
  bytes: number;
  /** Bytes in the output per npm package (or "(project)" for our own source). */
  packages: Record<string, number>;
}

export interface Bundles {
  subject: Bundle;
  baseline: Bundle;
  /** The handler chain with in-memory ports (bench/handler-overhead.ts), built like the subject. */
  overhead: string;
  worker: string;
  coldRunner: string;
}

const packageOf = (input: string): string => {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input.slice(input.lastIndexOf('node_modules/')));
  return match?.[1] ?? '(project)';
};

const byPackage = (metafile: Metafile): Record<string, number> => {
  const totals: Record<string, number> = {};
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input);
      totals[name] = (totals[name] ?? 0) + bytesInOutput;
    }
  }
  return Object.fromEntries(Object.entries(totals).sort(([, a], [, b]) => b - a));
};

/** The deployed Lambda entry of POST /orders/{order_handle}/complete (serverless.yml functions.completeOrder.handler). */
export const SUBJECT_ENTRY = 'handlers/lambda/complete-order.ts';

/** Built like `serverless package` builds it: into a directory, so a split build's chunks land beside the entry. */
const bundle = async (root: string, entry: string, outdir: string): Promise<Bundle> => {
  const result = await build({
    ...serverlessEsbuildOptions(root),
    absWorkingDir: root,
    entryPoints: [join(root, entry)],
    outdir,
    metafile: true,
    logLevel: 'error',
  });
  const outputs = Object.entries(result.metafile.outputs).filter(([file]) => !file.endsWith('.map'));
  // The entry's own output (a split build also marks each dynamic-import chunk as an entry point).
  const [entryOutput] = outputs.find(([, output]) => output.entryPoint === entry) ?? [];
  if (entryOutput === undefined) throw new Error(`no entry output for ${entry}`);
  return {
    file: resolve(root, entryOutput),
    bytes: outputs.reduce((sum, [file]) => sum + statSync(resolve(root, file)).size, 0),
    packages: byPackage(result.metafile),
  };
};

/** The bench's own harness: plain node scripts, not minified, so they add nothing to what is measured. */
const harness = async (root: string, entry: string, outfile: string): Promise<string> => {
  await build({
    absWorkingDir: root,
    entryPoints: [join(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'error',
  });
  return outfile;
};

export const buildBundles = async (root: string, outDir: string): Promise<Bundles> => {
  mkdirSync(outDir, { recursive: true });
  const [subject, baseline, overhead, worker, coldRunner] = await Promise.all([
    bundle(root, SUBJECT_ENTRY, join(outDir, 'subject')),
    bundle(root, 'bench/baseline-handler.ts', join(outDir, 'baseline')),
    bundle(root, 'bench/handler-overhead.ts', join(outDir, 'overhead')),
    harness(root, 'bench/worker.ts', join(outDir, 'harness', 'worker.js')),
    harness(root, 'bench/cold-runner.ts', join(outDir, 'harness', 'cold-runner.js')),
  ]);
  return { subject, baseline, overhead: overhead.file, worker, coldRunner };
};
