import { describe, expect, test, beforeAll } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { buildBundles } from '../../bench/build';

/**
 * `serverless package` works without AWS credentials and produces the stack the README promises:
 * runtime, architecture, least-privilege IAM, table protection, log retention.
 */
const root = resolve(__dirname, '..', '..');
const out = join(root, '.local', 'e2e', 'package');

interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}
let template: Template;

beforeAll(() => {
  rmSync(out, { recursive: true, force: true });
  const serverless = join(dirname(require.resolve('serverless/package.json')), 'bin', 'serverless.js');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ESBUILD_WORK_FOLDER: '.local/e2e/package-esbuild',
    SLS_TELEMETRY_DISABLED: '1',
  };
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'])
    delete env[name];
  env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent';
  const result = spawnSync(process.execPath, [serverless, 'package', '--stage', 'ci', '--package', out], {
    cwd: root,
    env,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`serverless package failed:\n${result.stdout}\n${result.stderr}`);
  template = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
}, 120_000);

/** One file out of a zip, read through its central directory (stored or deflated entries). */
const readZipEntry = (zip: Buffer, name: string): Buffer => {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let offset = zip.readUInt32LE(end + 16);
  for (let i = 0; i < zip.readUInt16LE(end + 10); i += 1) {
    const method = zip.readUInt16LE(offset + 10);
    const size = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const local = zip.readUInt32LE(offset + 42);
    if (zip.toString('utf8', offset + 46, offset + 46 + nameLength) === name) {
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + size);
      return method === 0 ? Buffer.from(data) : inflateRawSync(data);
    }
    offset += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`${name} not in the zip`);
};

const ofType = (type: string) => Object.values(template.Resources).filter((resource) => resource.Type === type);

describe('serverless package (no AWS credentials)', () => {
  test('ships one bundled, minified handler on a supported runtime, arm64', () => {
    const [fn, ...others] = ofType('AWS::Lambda::Function');
    expect(others).toHaveLength(0); // the local subscriber is not deployed
    expect(fn?.Properties.Runtime).toMatch(/^nodejs(22|24)\.x$/);
    expect(fn?.Properties.Architectures).toEqual(['arm64']);
    expect(fn?.Properties.Timeout).toBeLessThan(30);
    expect(statSync(join(out, 'orders-complete.zip')).size).toBeGreaterThan(10_000);
  });

  test('npm run bench measures exactly the shipped handler (same bytes as the zip’s)', async () => {
    const shipped = readZipEntry(readFileSync(join(out, 'orders-complete.zip')), 'handlers/complete-order.js');
    const bench = await buildBundles(root, join(root, '.local', 'e2e', 'bench-dist'));
    expect(shipped.equals(readFileSync(bench.subject.file))).toBe(true);
  });

  test('IAM allows only the calls made, only on this stack’s resources', () => {
    const role = ofType('AWS::IAM::Role')[0];
    const policies = role?.Properties.Policies as {
      PolicyDocument: { Statement: { Action: string[]; Resource: unknown }[] };
    }[];
    const statements = policies.flatMap((policy) => policy.PolicyDocument.Statement);
    const appStatements = statements.filter(
      (s) => !s.Action.every((action) => action.startsWith('logs:') || action.startsWith('xray:')),
    );
    expect(appStatements).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:Query', 'dynamodb:UpdateItem'],
        Resource: { 'Fn::GetAtt': ['OrdersTable', 'Arn'] },
      },
      { Effect: 'Allow', Action: ['events:PutEvents'], Resource: { 'Fn::GetAtt': ['OrderEventsBus', 'Arn'] } },
      { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: { Ref: 'AccountsSecret' } },
    ]);
    // X-Ray's write actions have no resource-level permissions: "*" is the only form, and only there.
    const xray = statements.filter((s) => s.Action.some((action) => action.startsWith('xray:')));
    expect(xray).toEqual([
      { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: ['*'] },
    ]);
    expect(JSON.stringify(statements.filter((s) => !xray.includes(s)))).not.toContain('"*"');
  });

  test('Powertools: metrics on, active tracing, namespace and service as agreed', () => {
    const [fn] = ofType('AWS::Lambda::Function');
    expect(fn?.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    expect((fn?.Properties.Environment as { Variables: Record<string, string> }).Variables).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'orders-complete',
      POWERTOOLS_METRICS_NAMESPACE: 'OrdersComplete',
      POWERTOOLS_METRICS_DISABLED: 'false',
      POWERTOOLS_TRACE_ENABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
  });

  test('table: on-demand, point-in-time recovery, encryption, retained; logs expire', () => {
    const table = template.Resources.OrdersTable;
    expect(table?.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
    expect((table as unknown as { DeletionPolicy: string }).DeletionPolicy).toBe('Retain');
    for (const group of ofType('AWS::Logs::LogGroup')) expect(group.Properties.RetentionInDays).toBe(30);
    expect(ofType('AWS::Events::EventBus')).toHaveLength(1);
  });
});
