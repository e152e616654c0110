import { loadConfig } from '../../config/env';
import { describe, expect, test, beforeAll } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { buildBundles } from '../../bench/build';
import { mapTrace } from '../../scripts/trace';
import { METRICS } from '../../adapters/metrics-catalogue';
import { collectEmittedMetrics, type EmittedMetric } from './support/emitted-metrics';

/**
 * `serverless package` works without AWS credentials and produces the stack docs/operations.md promises:
 * runtime, per-function least-privilege IAM, alarms, throttling, log retention, tags, per-stage params.
 * dev and prod are packaged (prod with an alarm e-mail, as an operator would deploy it; without one it refuses).
 */
const root = resolve(__dirname, '..', '..');

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
  Condition?: string;
  DeletionPolicy?: string;
  DependsOn?: unknown;
}
interface Template {
  Conditions?: Record<string, unknown>;
  Resources: Record<string, Resource>;
}
interface Statement {
  Effect: string;
  Action: string[];
  Resource: unknown;
}
interface Packaged {
  template: Template;
  state: { service: { provider: { stackTags?: Record<string, string> } } };
  dir: string;
}

const runPackage = (stage: string, extraArgs: string[], dir: string) => {
  rmSync(dir, { recursive: true, force: true });
  const serverless = join(dirname(require.resolve('serverless/package.json')), 'bin', 'serverless.js');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ESBUILD_WORK_FOLDER: `.local/e2e/package-esbuild-${stage}`,
    SLS_TELEMETRY_DISABLED: '1',
  };
  const unset = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'ALARM_EMAIL'];
  for (const name of [...unset, 'ALARM_TOPIC_ARN']) delete env[name];
  env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent';
  const result = spawnSync(
    process.execPath,
    [serverless, 'package', '--stage', stage, '--package', dir, ...extraArgs],
    {
      cwd: root,
      env,
      encoding: 'utf8',
    },
  );
  return result;
};

const packageStage = (stage: string, extraArgs: string[] = []): Packaged => {
  const dir = join(root, '.local', 'e2e', `package-${stage}`);
  const result = runPackage(stage, extraArgs, dir);
  if (result.status !== 0) throw new Error(`serverless package failed:\n${result.stdout}\n${result.stderr}`);
  return {
    template: JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template,
    state: JSON.parse(readFileSync(join(dir, 'serverless-state.json'), 'utf8')) as Packaged['state'],
    dir,
  };
};

/** The names of a zip's .mjs (or other `suffix`) entries under a folder (central directory). */
const zipEntryNames = (zip: Buffer, folder: string, suffix = '.mjs'): string[] => {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let offset = zip.readUInt32LE(end + 16);
  const names: string[] = [];
  for (let i = 0; i < zip.readUInt16LE(end + 10); i += 1) {
    const nameLength = zip.readUInt16LE(offset + 28);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    if (name.startsWith(folder) && name.endsWith(suffix)) names.push(name);
    offset += 46 + nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
  }
  return names;
};

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

/** GitHub-style anchors of docs/operations.md's headings. */
const runbookAnchors = readFileSync(join(root, 'docs', 'operations.md'), 'utf8')
  .split('\n')
  .filter((line) => line.startsWith('#'))
  .map((line) =>
    line
      .replace(/^#+\s*/, '')
      .toLowerCase()
      .replace(/[^a-z0-9 -]/g, '')
      .replace(/ /g, '-'),
  );

let dev: Packaged;
let prod: Packaged;
let local: Packaged;
beforeAll(() => {
  dev = packageStage('dev');
  // prod as an operator would deploy it for a trace investigation: an alarm e-mail, the in-process Tracer on.
  prod = packageStage('prod', ['--param=alarmEmail=ops@example.com', '--param=inProcessTracing=true']);
  local = packageStage('local');
}, 180_000);

const ofType = (template: Template, type: string) =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
const statementsOf = (template: Template, roleId: string): Statement[] => {
  const role = template.Resources[roleId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`no role ${roleId}`);
  const policies = role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[];
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
};
const ref = (id: string) => ({ Ref: id });
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
/**
 * Functions an EventBridge rule (schedule or subscription) invokes, i.e. asynchronously, that have neither a
 * rule-target dead-letter queue with a retry policy nor an on-failure destination with a retry limit.
 */
const asyncConsumersWithoutDlq = (template: Template): string[] => {
  const missing: string[] = [];
  for (const [, rule] of ofType(template, 'AWS::Events::Rule')) {
    for (const target of rule.Properties.Targets as {
      Arn: unknown;
      DeadLetterConfig?: unknown;
      RetryPolicy?: unknown;
    }[]) {
      const fnId = (target.Arn as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0];
      if (fnId === undefined) continue;
      const onFailure = ofType(template, 'AWS::Lambda::EventInvokeConfig').some(
        ([, config]) =>
          JSON.stringify(config.Properties.FunctionName) === JSON.stringify({ Ref: fnId }) &&
          typeof config.Properties.MaximumRetryAttempts === 'number' &&
          (config.Properties.DestinationConfig as { OnFailure?: unknown } | undefined)?.OnFailure !== undefined,
      );
      const targetDlq = target.DeadLetterConfig !== undefined && target.RetryPolicy !== undefined;
      if (!onFailure && !targetDlq) missing.push(fnId);
    }
  }
  return missing;
};

const logsAndTraces = (logGroup: string): Statement[] => [
  { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: arnOf(logGroup) },
  { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
];

describe('serverless package (no AWS credentials)', () => {
  test('the deployed functions: bundled, on a supported runtime, arm64, traced, each with its own role', () => {
    const functions = Object.fromEntries(ofType(dev.template, 'AWS::Lambda::Function'));
    expect(Object.keys(functions).sort()).toEqual([
      'CompleteOrderLambdaFunction',
      'GetOpenApiLambdaFunction',
      'RelayPendingEventsLambdaFunction',
      'WebhookSenderLambdaFunction',
    ]); // no local subscriber, no local webhook dispatcher
    for (const [id, fn] of Object.entries(functions)) {
      expect(fn.Properties.Runtime).toMatch(/^nodejs(22|24)\.x$/);
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect(fn.Properties.Role).toEqual(arnOf(id.replace('LambdaFunction', 'Role')));
    }
    // API Gateway gives up after 30 s: the API's functions answer (middy's early timeout) well before.
    expect(functions.CompleteOrderLambdaFunction?.Properties.Timeout).toBeLessThan(30);
    expect(functions.GetOpenApiLambdaFunction?.Properties.Timeout).toBeLessThan(30);
    expect(dev.template.Resources.IamRoleLambdaExecution).toBeUndefined(); // no shared role
    expect(statSync(join(dev.dir, 'orders-complete.zip')).size).toBeGreaterThan(10_000);
  });

  test('the relay runs every minute as RELAY_PARTS (8) invocations, one per part of the shards; a failed pass is not retried but lands in a dead-letter queue', () => {
    const template = dev.template;
    const relay = template.Resources.RelayPendingEventsLambdaFunction;
    expect((relay?.Properties.Handler as string).endsWith('handlers/lambda/relay-pending-events.handler')).toBe(true);
    expect(relay?.Properties.Timeout).toBe(60);
    expect(relay?.Properties.MemorySize).toBe(1769);
    const rules = ofType(template, 'AWS::Events::Rule')
      .map(([, rule]) => rule)
      .filter((rule) => rule.Properties.ScheduleExpression !== undefined); // the other rule: webhooks (below)
    const parts = loadConfig({
      ORDERS_TABLE_NAME: 'orders',
      EVENT_BUS_NAME: 'b',
      EVENT_SOURCE: 'source',
      ACCOUNTS_TABLE_NAME: 'accounts',
    }).RELAY_PARTS;
    expect(rules.map((rule) => rule.Properties.ScheduleExpression)).toEqual(Array(parts).fill('rate(1 minute)'));
    const inputs = rules.map((rule) => {
      const targets = rule.Properties.Targets as { Arn: unknown; Input: string }[];
      expect(JSON.stringify(targets[0]?.Arn)).toContain('RelayPendingEventsLambdaFunction');
      return JSON.parse(targets[0]?.Input ?? '{}') as unknown;
    });
    expect(inputs).toEqual(Array.from({ length: parts }, (_, part) => ({ part, parts })));
    expect(template.Resources.RelayPendingEventsLambdaEvConf?.Properties).toMatchObject({
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: arnOf('RelayDeadLetterQueue') } },
    });
    expect(template.Resources.RelayDeadLetterQueue?.Type).toBe('AWS::SQS::Queue');
  });

  test('relay alarms: an event pending over 5 minutes (or no relay figures at all), and any failed relay pass', () => {
    const alarms = Object.fromEntries(ofType(dev.template, 'AWS::CloudWatch::Alarm'));
    expect(alarms.OldestPendingEventAgeAlarm?.Properties).toMatchObject({
      Namespace: 'OrdersComplete',
      MetricName: 'OldestPendingEventAgeSeconds',
      Dimensions: [
        { Name: 'service', Value: 'orders-complete' },
        { Name: 'stage', Value: 'dev' },
      ],
      Statistic: 'Maximum',
      Threshold: 300,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'breaching',
    });
    // Messages *sent* in the last 15 minutes (Lambda's on-failure destination sends them), not the queue's depth:
    // a depth alarm stays in ALARM until the queue is purged and so tells nobody of the next failed pass.
    expect(alarms.RelayDeadLetterQueueDepthAlarm?.Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'NumberOfMessagesSent',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['RelayDeadLetterQueue', 'QueueName'] } }],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    // The metrics the alarms read are emitted under that namespace and those dimensions.
    for (const id of ['RelayPendingEventsLambdaFunction', 'CompleteOrderLambdaFunction']) {
      const env = (dev.template.Resources[id]?.Properties.Environment as { Variables: Record<string, unknown> })
        .Variables;
      expect(env).toMatchObject({
        POWERTOOLS_METRICS_NAMESPACE: 'OrdersComplete',
        POWERTOOLS_SERVICE_NAME: 'orders-complete',
        STAGE: 'dev',
      });
    }
  });

  test('the table has the sparse pending-events index, keys only', () => {
    expect(dev.template.Resources.OrdersTable?.Properties.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'pending-events',
        KeySchema: [
          { AttributeName: 'pending_shard', KeyType: 'HASH' },
          { AttributeName: 'pending_since', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ]);
  });

  test('IAM per function: only the calls it makes, only on this stack’s resources', () => {
    expect(statementsOf(dev.template, 'CompleteOrderRole')).toEqual([
      ...logsAndTraces('CompleteOrderLogGroup'),
      { Effect: 'Allow', Action: ['dynamodb:Query', 'dynamodb:UpdateItem'], Resource: arnOf('OrdersTable') },
      { Effect: 'Allow', Action: ['events:PutEvents'], Resource: arnOf('OrderEventsBus') },
      // Credentials: GetItem only (never Query or Scan: the function cannot list accounts).
      { Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: arnOf('AccountsTable') },
    ]);
    expect(statementsOf(dev.template, 'RelayPendingEventsRole')).toEqual([
      ...logsAndTraces('RelayPendingEventsLogGroup'),
      {
        Effect: 'Allow',
        Action: ['dynamodb:Query'],
        Resource: { 'Fn::Join': ['/', [arnOf('OrdersTable'), 'index', 'pending-events']] },
      },
      { Effect: 'Allow', Action: ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'], Resource: arnOf('OrdersTable') },
      { Effect: 'Allow', Action: ['events:PutEvents'], Resource: arnOf('OrderEventsBus') },
      { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: arnOf('RelayDeadLetterQueue') },
    ]);
    expect(statementsOf(dev.template, 'GetOpenApiRole')).toEqual(logsAndTraces('GetOpenApiLogGroup'));
    for (const [id, role] of ofType(dev.template, 'AWS::IAM::Role')) {
      expect(role.Properties.AssumeRolePolicyDocument).toMatchObject({
        Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      });
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      // "*" only where the service has no resource-level permissions (X-Ray).
      for (const statement of statementsOf(dev.template, id)) {
        if (statement.Resource === '*') expect(statement.Action.every((a) => a.startsWith('xray:'))).toBe(true);
        expect(statement.Action.some((a) => a.includes('*'))).toBe(false);
      }
    }
  });

  test('npm run bench measures exactly the shipped handler (the zip’s entry and chunks, same code)', async () => {
    const zip = readFileSync(join(dev.dir, 'orders-complete.zip'));
    const bench = await buildBundles(root, join(root, '.local', 'e2e', 'bench-dist'));
    expect(bench.subject.file.endsWith(join('subject', 'complete-order.mjs'))).toBe(true);
    const benchDir = dirname(bench.subject.file);
    const files = readdirSync(benchDir).filter((file) => file.endsWith('.mjs'));
    expect(files.length).toBeGreaterThan(1); // the entry and its chunks (ES modules, code splitting)
    // Chunk file names carry a content hash that also covers the source map's paths (which differ between the two
    // build folders); with the hashes masked, every file the bench loads is byte for byte one the zip ships.
    const masked = (code: string) => code.replace(/([A-Za-z-]+)-[A-Z0-9]{8}\.mjs/g, '$1-HASH.mjs');
    const shipped = new Set(
      zipEntryNames(zip, 'handlers/lambda/').map((name) => masked(readZipEntry(zip, name).toString())),
    );
    for (const file of files) expect(shipped.has(masked(readFileSync(join(benchDir, file), 'utf8')))).toBe(true);
    expect(masked(readZipEntry(zip, 'handlers/lambda/complete-order.mjs').toString())).toBe(
      masked(readFileSync(bench.subject.file, 'utf8')),
    );
  });

  test('source maps: none in the zip, each beside the package, and npm run trace maps a frame back to TypeScript', () => {
    const zip = readFileSync(join(dev.dir, 'orders-complete.zip'));
    expect(zipEntryNames(zip, '', '.map')).toEqual([]);
    const code = zipEntryNames(zip, '');
    expect(code.length).toBeGreaterThan(1);
    const mapsDir = join(dev.dir, 'source-maps');
    for (const name of code) {
      expect(readZipEntry(zip, name).toString()).not.toContain('sourceMappingURL');
      expect(existsSync(join(mapsDir, `${name}.map`))).toBe(true);
    }
    // A frame at a known spot of the shipped entry maps to the line of handlers/complete-order.ts that holds it.
    const entry = readZipEntry(zip, 'handlers/lambda/complete-order.mjs').toString();
    const at = entry.indexOf('order already completed');
    expect(at).toBeGreaterThan(0);
    const before = entry.slice(0, at);
    const frame = `handlers/lambda/complete-order.mjs:${before.split('\n').length}:${at - before.lastIndexOf('\n')}`;
    const source = readFileSync(join(root, 'handlers', 'complete-order.ts'), 'utf8').split('\n');
    const line = source.findIndex((text) => text.includes('order already completed')) + 1;
    const mapped = mapTrace(`Error: x\n    at handler (file:///var/task/${frame})\n`, mapsDir);
    expect(mapped.unmapped).toEqual([]);
    expect(mapped.text).toContain(`handlers/complete-order.ts:${line}:`);
    // Another build's chunk has no map here: left as it was, and named.
    expect(mapTrace('    at f (/var/task/handlers/lambda/chunk-ZZZZZZZZ.mjs:1:5)', mapsDir).unmapped).toEqual([
      'handlers/lambda/chunk-ZZZZZZZZ.mjs',
    ]);
  });

  test('Powertools: metrics on, active tracing, in-process Tracer opt-in, namespace and service as agreed', () => {
    const fn = dev.template.Resources.CompleteOrderLambdaFunction;
    expect(fn?.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    expect((fn?.Properties.Environment as { Variables: Record<string, string> }).Variables).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'orders-complete',
      POWERTOOLS_METRICS_NAMESPACE: 'OrdersComplete',
      POWERTOOLS_METRICS_DISABLED: 'false',
      // Lambda's active tracing only by default; the stage param inProcessTracing turns the Tracer on.
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
    const localFn = local.template.Resources.CompleteOrderLambdaFunction;
    expect((localFn?.Properties.Environment as { Variables: Record<string, string> }).Variables).toMatchObject({
      POWERTOOLS_TRACE_ENABLED: 'false',
    });
    expect(localFn?.Properties.TracingConfig).toBeUndefined();
    const prodFn = prod.template.Resources.CompleteOrderLambdaFunction;
    expect(prodFn?.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    expect((prodFn?.Properties.Environment as { Variables: Record<string, string> }).Variables).toMatchObject({
      POWERTOOLS_TRACE_ENABLED: 'true',
    });
  });

  test('table: on-demand, point-in-time recovery, encryption, retained', () => {
    const table = dev.template.Resources.OrdersTable;
    expect(table?.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      DeletionProtectionEnabled: true,
    });
    expect(table?.DeletionPolicy).toBe('Retain');
    expect(ofType(dev.template, 'AWS::Events::EventBus')).toHaveLength(1);
  });

  test('accounts table: its own, keyed by account_id, on-demand, PITR, encrypted, retained; named in the env', () => {
    const table = dev.template.Resources.AccountsTable;
    expect(table?.Properties).toMatchObject({
      TableName: 'orders-complete-dev-accounts',
      KeySchema: [{ AttributeName: 'account_id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      DeletionProtectionEnabled: true,
    });
    expect(table?.DeletionPolicy).toBe('Retain');
    expect(ofType(dev.template, 'AWS::SecretsManager::Secret')).toHaveLength(0);
    const fn = dev.template.Resources.CompleteOrderLambdaFunction;
    expect((fn?.Properties.Environment as { Variables: Record<string, string> }).Variables).toMatchObject({
      ACCOUNTS_TABLE_NAME: 'orders-complete-dev-accounts',
      ACCOUNTS_CACHE_SECONDS: '60',
    });
  });

  test('every function has a log group, the API its access log group; logs expire per stage (dev 14 days, prod 90)', () => {
    for (const [{ template }, days] of [
      [dev, 14],
      [prod, 90],
    ] as const) {
      const groups = Object.fromEntries(ofType(template, 'AWS::Logs::LogGroup'));
      expect(Object.keys(groups).sort()).toEqual([
        'CompleteOrderLogGroup',
        'GetOpenApiLogGroup',
        'HttpApiAccessLogGroup',
        'RelayPendingEventsLogGroup',
        'WebhookSenderLogGroup',
      ]);
      for (const group of Object.values(groups)) expect(group.Properties.RetentionInDays).toBe(days);
    }
  });

  test('API throttling on the stage’s default route, per stage', () => {
    expect(dev.template.Resources.HttpApiStage?.Properties.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 20,
      ThrottlingBurstLimit: 40,
    });
    expect(prod.template.Resources.HttpApiStage?.Properties.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 200,
      ThrottlingBurstLimit: 400,
    });
  });

  test('alarms: 5xx rate, p99 latency, publish failures, function errors, relay; all notify the alarm topic', () => {
    const alarms = Object.fromEntries(ofType(prod.template, 'AWS::CloudWatch::Alarm'));
    expect(Object.keys(alarms).sort()).toEqual([
      'ApiLatencyP99Alarm',
      'ApiServerErrorRateAlarm',
      'CompleteOrderFunctionErrorsAlarm',
      'OldestPendingEventAgeAlarm',
      'PublishFailuresAlarm',
      'RelayDeadLetterQueueDepthAlarm',
      'WebhookBacklogAlarm',
      'WebhookDeadLetterQueueDepthAlarm',
    ]);
    for (const [id, alarm] of Object.entries(alarms)) {
      expect(alarm.Properties.AlarmActions).toEqual([ref('AlarmTopic')]);
      expect(alarm.Properties.OKActions).toEqual([ref('AlarmTopic')]);
      // Silence is normal for all but the relay's figures: no data there means the relay is not running.
      expect(alarm.Properties.TreatMissingData).toBe(
        id === 'OldestPendingEventAgeAlarm' ? 'breaching' : 'notBreaching',
      );
      // Each alarm points at its section of the runbook, and the section exists.
      const anchor = /docs\/operations\.md#([a-z0-9-]+)/.exec(String(alarm.Properties.AlarmDescription))?.[1];
      expect(runbookAnchors).toContain(anchor);
    }
    const api = [
      { Name: 'ApiId', Value: ref('HttpApi') },
      { Name: 'Stage', Value: '$default' },
    ];
    const rate = alarms.ApiServerErrorRateAlarm!.Properties;
    expect(rate).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanThreshold' });
    expect(rate.Metrics).toEqual([
      expect.objectContaining({
        Id: 'errors',
        MetricStat: expect.objectContaining({
          Metric: { Namespace: 'AWS/ApiGateway', MetricName: '5xx', Dimensions: api },
        }),
      }),
      expect.objectContaining({
        Id: 'requests',
        MetricStat: expect.objectContaining({
          Metric: { Namespace: 'AWS/ApiGateway', MetricName: 'Count', Dimensions: api },
        }),
      }),
      expect.objectContaining({ Expression: 'IF(requests > 0, 100 * errors / requests, 0)', ReturnData: true }),
    ]);
    expect(alarms.ApiLatencyP99Alarm!.Properties).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: 'Latency',
      Dimensions: api,
      ExtendedStatistic: 'p99',
      Threshold: 1000,
    });
    expect(alarms.PublishFailuresAlarm!.Properties).toMatchObject({
      Namespace: 'OrdersComplete',
      MetricName: 'PublishFailures',
      Dimensions: [
        { Name: 'service', Value: 'orders-complete' },
        { Name: 'stage', Value: 'prod' },
      ],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(alarms.CompleteOrderFunctionErrorsAlarm!.Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: ref('CompleteOrderLambdaFunction') }],
    });
    // Thresholds are per-stage params.
    const devAlarms = Object.fromEntries(ofType(dev.template, 'AWS::CloudWatch::Alarm'));
    expect(devAlarms.ApiServerErrorRateAlarm?.Properties.Threshold).toBe(5);
    expect(devAlarms.ApiLatencyP99Alarm?.Properties.Threshold).toBe(3000);
  });

  test('the alarm topic e-mails the stage’s alarmEmail param, and has no subscription without one', () => {
    expect(prod.template.Resources.AlarmEmailSubscription).toEqual({
      Type: 'AWS::SNS::Subscription',
      Properties: { TopicArn: ref('AlarmTopic'), Protocol: 'email', Endpoint: 'ops@example.com' },
    });
    // No subscription in dev, and no constant condition standing in for one (cfn-lint W8003).
    expect(dev.template.Resources.AlarmEmailSubscription).toBeUndefined();
    expect(dev.template.Conditions).toBeUndefined();
    expect(prod.template.Conditions).toBeUndefined();
  });

  test('prod refuses to package without a notification target, at once, in one line', () => {
    const started = Date.now();
    const refused = runPackage('prod', [], join(root, '.local', 'e2e', 'package-prod-refused'));
    const seconds = (Date.now() - started) / 1000;
    expect(refused.status).not.toBe(0);
    const line =
      'Stage "prod" needs an alarm notification target: add --param="alarmEmail=<address>" or ' +
      '--param="alarmTopicArn=<SNS topic ARN>" (docs/operations.md "Alarm notifications").';
    expect(`${refused.stdout}\n${refused.stderr}`.split('\n').map((l) => l.trim())).toContain(line);
    // Before building anything: no bundle, no template.
    expect(existsSync(join(root, '.local', 'e2e', 'package-prod-refused'))).toBe(false);
    console.log(`prod without a notification target refused in ${seconds.toFixed(1)} s`);
    expect(runbookAnchors).toContain('alarm-notifications');
  }, 120_000);

  test('every asynchronous consumer has a retry policy and a dead-letter queue, and every queue a depth alarm', () => {
    for (const { template } of [dev, prod]) {
      expect(asyncConsumersWithoutDlq(template)).toEqual([]);
      const alarmed = ofType(template, 'AWS::CloudWatch::Alarm')
        .filter(([, alarm]) => alarm.Properties.Namespace === 'AWS/SQS')
        .map(([, alarm]) => JSON.stringify(alarm.Properties.Dimensions));
      for (const [queueId] of ofType(template, 'AWS::SQS::Queue')) {
        expect(alarmed).toContain(
          JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }]),
        );
      }
    }
    // The check does catch a consumer without one: the local stage's subscriber and webhook dispatcher (never
    // deployed) have none.
    expect(asyncConsumersWithoutDlq(local.template)).toEqual([
      'LocalEventSubscriberLambdaFunction',
      'LocalWebhookDispatcherLambdaFunction',
    ]);
  });

  test('tags: every function, the API and (via stack tags) every taggable resource carry service and stage', () => {
    const tags = { service: 'orders-complete', stage: 'prod' };
    expect(prod.state.service.provider.stackTags).toEqual(tags);
    for (const [, fn] of ofType(prod.template, 'AWS::Lambda::Function')) {
      expect(fn.Properties.Tags).toEqual(
        expect.arrayContaining(Object.entries(tags).map(([Key, Value]) => ({ Key, Value }))),
      );
    }
    expect(prod.template.Resources.HttpApi?.Properties.Tags).toEqual(tags);
  });

  // ---- issue 21: signed webhooks ----
  describe('webhooks: rule -> queue -> sender, dead-letter queue, alarm, archive, least privilege', () => {
    test('the OrderCompleted rule (the published pattern) targets the delivery queue, with its own retry and DLQ', () => {
      const rule = dev.template.Resources.WebhookRule!;
      expect(rule.Properties).toMatchObject({
        Name: 'orders-complete-dev-webhooks',
        EventBusName: ref('OrderEventsBus'),
        EventPattern: JSON.parse(
          readFileSync(join(root, 'contracts', 'order-completed.event-pattern.json'), 'utf8'),
        ) as unknown,
        Targets: [
          {
            Id: 'webhook-queue',
            Arn: arnOf('WebhookQueue'),
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
            DeadLetterConfig: { Arn: arnOf('WebhookDeadLetterQueue') },
          },
        ],
      });
      // Only that rule may send to the queues.
      const policy = dev.template.Resources.WebhookQueuePolicy!.Properties as {
        Queues: unknown[];
        PolicyDocument: { Statement: unknown[] };
      };
      expect(policy.Queues).toEqual([ref('WebhookQueue'), ref('WebhookDeadLetterQueue')]);
      expect(policy.PolicyDocument.Statement).toEqual([
        {
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: [arnOf('WebhookQueue'), arnOf('WebhookDeadLetterQueue')],
          Condition: { ArnEquals: { 'aws:SourceArn': arnOf('WebhookRule') } },
        },
      ]);
    });

    test('the queue: redrive to the dead-letter queue, retention beyond the 24 h schedule, visibility 6x the timeout', () => {
      const queue = dev.template.Resources.WebhookQueue!.Properties;
      const sender = dev.template.Resources.WebhookSenderLambdaFunction!.Properties;
      expect(queue).toMatchObject({
        QueueName: 'orders-complete-dev-webhooks',
        SqsManagedSseEnabled: true,
        RedrivePolicy: { deadLetterTargetArn: arnOf('WebhookDeadLetterQueue'), maxReceiveCount: 16 },
      });
      expect(queue.MessageRetentionPeriod as number).toBeGreaterThan(2 * 86400);
      expect(queue.VisibilityTimeout).toBe(6 * (sender.Timeout as number));
      expect(dev.template.Resources.WebhookDeadLetterQueue!.Properties).toMatchObject({
        MessageRetentionPeriod: 1209600,
        SqsManagedSseEnabled: true,
      });
    });

    test('the sender: SQS batches with partial batch failures, bounded concurrency, its own table and queues', () => {
      const mapping = ofType(dev.template, 'AWS::Lambda::EventSourceMapping').map(([, m]) => m.Properties);
      expect(mapping).toEqual([
        expect.objectContaining({
          EventSourceArn: arnOf('WebhookQueue'),
          FunctionName: arnOf('WebhookSenderLambdaFunction'),
          BatchSize: 10,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          ScalingConfig: { MaximumConcurrency: 100 },
        }),
      ]);
      const sender = dev.template.Resources.WebhookSenderLambdaFunction!.Properties;
      expect((sender.Handler as string).endsWith('handlers/lambda/webhook-sender.handler')).toBe(true);
      expect((sender.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
        WEBHOOKS_TABLE_NAME: 'orders-complete-dev-webhooks',
        WEBHOOK_QUEUE_URL: ref('WebhookQueue'),
        WEBHOOK_DLQ_URL: ref('WebhookDeadLetterQueue'),
        WEBHOOK_TIMEOUT_MS: '10000',
      });
      expect(
        (sender.Environment as { Variables: Record<string, unknown> }).Variables.WEBHOOK_ALLOW_LOOPBACK,
      ).toBeUndefined();
      expect(prod.template.Resources.WebhookSenderEventSourceMappingSQSWebhookQueue?.Properties.ScalingConfig).toEqual({
        MaximumConcurrency: 300,
      });
    });

    test('least privilege: only the sender reads the webhooks table (the secrets); nothing else touches it', () => {
      expect(statementsOf(dev.template, 'WebhookSenderRole')).toEqual([
        ...logsAndTraces('WebhookSenderLogGroup'),
        {
          Effect: 'Allow',
          Action: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
          Resource: arnOf('WebhooksTable'),
        },
        {
          Effect: 'Allow',
          Action: [
            'sqs:ReceiveMessage',
            'sqs:DeleteMessage',
            'sqs:GetQueueAttributes',
            'sqs:ChangeMessageVisibility',
            'sqs:SendMessage',
          ],
          Resource: arnOf('WebhookQueue'),
        },
        { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: arnOf('WebhookDeadLetterQueue') },
      ]);
      for (const [id] of ofType(dev.template, 'AWS::IAM::Role')) {
        if (id === 'WebhookSenderRole') continue;
        expect(JSON.stringify(statementsOf(dev.template, id))).not.toContain('WebhooksTable');
      }
      expect(dev.template.Resources.WebhooksTable?.Properties).toMatchObject({
        TableName: 'orders-complete-dev-webhooks',
        KeySchema: [
          { AttributeName: 'account_id', KeyType: 'HASH' },
          { AttributeName: 'endpoint_id', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: true,
      });
      expect(dev.template.Resources.WebhooksTable?.DeletionPolicy).toBe('Retain');
    });

    test('the dead-letter alarm, and the archive with retention per stage; none of it in the local stage', () => {
      const alarm = prod.template.Resources.WebhookDeadLetterQueueDepthAlarm!.Properties;
      expect(alarm).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['WebhookDeadLetterQueue', 'QueueName'] } }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
      expect(dev.template.Resources.OrderEventsArchive?.Properties).toEqual({
        ArchiveName: 'orders-complete-dev-events',
        SourceArn: arnOf('OrderEventsBus'),
        RetentionDays: 7,
      });
      expect(prod.template.Resources.OrderEventsArchive?.Properties.RetentionDays).toBe(90);
      expect(
        Object.keys(local.template.Resources).filter((id) => /Webhook(Queue|Rule|Sender|sTable)/.test(id)),
      ).toEqual([]);
      expect(local.template.Resources.LocalWebhookDispatcherLambdaFunction?.Type).toBe('AWS::Lambda::Function');
    });
  });
  // ---- end issue 21 ----
});

/** The dashboard's widgets, from its Fn::Sub body (placeholders such as ${HttpApi} left as they are). */
interface Widget {
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
  properties: { title?: string; metrics?: (string | Record<string, unknown>)[][] };
}
const dashboardBodyOf = (template: Template): string =>
  (template.Resources.Dashboard?.Properties.DashboardBody as { 'Fn::Sub': string })['Fn::Sub'];
const widgetsOf = (template: Template): Widget[] =>
  (JSON.parse(dashboardBodyOf(template)) as { widgets: Widget[] }).widgets;
/** A metric line as [namespace, name, dimension, value, ...] and its options. */
const partsOf = (line: (string | Record<string, unknown>)[]) => ({
  names: line.filter((part): part is string => typeof part === 'string'),
  options: line.find((part) => typeof part !== 'string') ?? {},
});
const metricsOf = (widget: Widget | undefined) => (widget?.properties.metrics ?? []).map(partsOf);
const envOf = (template: Template, id: string): Record<string, string> =>
  (template.Resources[id]?.Properties.Environment as { Variables: Record<string, string> }).Variables;

describe('operators see every request and the whole service (issue 23)', () => {
  let emitted: EmittedMetric[];
  beforeAll(async () => {
    // What the code emits, run in the environment `serverless package` gave prod's function.
    emitted = await collectEmittedMetrics(envOf(prod.template, 'CompleteOrderLambdaFunction'));
  }, 60_000);

  test('access logs: one JSON line per request with both request ids, status, route, latencies, errors and caller IP', () => {
    for (const [{ template }, stage, days] of [
      [dev, 'dev', 14],
      [prod, 'prod', 90],
    ] as const) {
      const settings = template.Resources.HttpApiStage?.Properties.AccessLogSettings as {
        DestinationArn: unknown;
        Format: string;
      };
      expect(settings.DestinationArn).toEqual(arnOf('HttpApiAccessLogGroup'));
      expect(settings.Format).not.toContain('\n');
      const format = JSON.parse(settings.Format) as Record<string, string>;
      expect(format).toMatchObject({
        requestId: '$context.requestId', // the caller's apigw-requestid, the function's correlation_id
        integrationRequestId: '$context.integration.requestId', // the Lambda request id (function_request_id)
        status: '$context.status',
        routeKey: '$context.routeKey',
        responseLatency: '$context.responseLatency',
        integrationLatency: '$context.integrationLatency',
        integrationStatus: '$context.integrationStatus',
        integrationErrorMessage: '$context.integrationErrorMessage',
        errorMessage: '$context.error.message',
        sourceIp: '$context.identity.sourceIp',
      });
      // Each field is one context variable; none is a request header (the Authorization header never reaches it).
      for (const value of Object.values(format)) expect(value).toMatch(/^\$context\.[A-Za-z.]+$/);
      expect(settings.Format).not.toMatch(/header|authorization/i);
      expect(template.Resources.HttpApiAccessLogGroup?.Properties).toEqual({
        LogGroupName: `/aws/http-api/orders-complete-${stage}/access`,
        RetentionInDays: days,
      });
      expect(template.Resources.HttpApiStage?.DependsOn).toBeUndefined();
    }
    // The runbook's Logs Insights queries go from one id to the other with these very field names.
    const operations = readFileSync(join(root, 'docs', 'operations.md'), 'utf8');
    const section = operations.slice(operations.indexOf('### Access logs'));
    expect(runbookAnchors).toContain('access-logs');
    for (const field of ['requestId', 'integrationRequestId', 'correlation_id', 'function_request_id'])
      expect(section).toContain(field);
  });

  test('the dashboard: API, Lambda, the service’s own metrics (exactly the ones the code emits), the DLQ', () => {
    expect(prod.template.Resources.Dashboard?.Type).toBe('AWS::CloudWatch::Dashboard');
    expect(prod.template.Resources.Dashboard?.Properties.DashboardName).toBe('orders-complete-prod');
    expect(dev.template.Resources.Dashboard?.Properties.DashboardName).toBe('orders-complete-dev');
    const widgets = widgetsOf(prod.template);
    const byTitle = new Map(widgets.map((widget) => [widget.properties.title, widget]));
    expect(widgets.map((widget) => widget.properties.title).filter(Boolean)).toEqual([
      'API requests (per minute)',
      'API 4xx (per minute)',
      'API 5xx (per minute)',
      'API latency p50 / p99 (ms)',
      'Lambda errors (per minute)',
      'Lambda throttles (per minute)',
      'Lambda concurrency (maximum)',
      'Lambda duration p99 (ms)',
      'Completions and refusals (per minute)',
      'OrderCompleted publishing (per minute)',
      'EventBridge circuit breaker state changes (per minute)',
      'Pending events and the oldest one’s age (relay)',
      'Time in each dependency per request (ms, p50 and p99)',
      'Webhook deliveries (per minute)',
      'Relay dead-letter queue: failed passes (messages sent) and depth',
      'Relay invocations: event age (ms) and events dropped',
    ]);
    const api = ['ApiId', '${HttpApi}', 'Stage', '$default'];
    for (const [title, metric] of [
      ['API requests (per minute)', 'Count'],
      ['API 4xx (per minute)', '4xx'],
      ['API 5xx (per minute)', '5xx'],
    ]) {
      expect(metricsOf(byTitle.get(title)).map((m) => m.names)).toEqual([['AWS/ApiGateway', metric, ...api]]);
    }
    const latency = metricsOf(byTitle.get('API latency p50 / p99 (ms)'));
    expect(latency.filter((m) => m.names[1] === 'Latency').map((m) => m.options.stat)).toEqual(['p50', 'p99']);
    for (const m of latency) expect(m.names.slice(2)).toEqual(api);
    const functions = [
      '${CompleteOrderLambdaFunction}',
      '${RelayPendingEventsLambdaFunction}',
      '${GetOpenApiLambdaFunction}',
    ];
    for (const [title, metric] of [
      ['Lambda errors (per minute)', 'Errors'],
      ['Lambda throttles (per minute)', 'Throttles'],
      ['Lambda concurrency (maximum)', 'ConcurrentExecutions'],
    ]) {
      const lines = metricsOf(byTitle.get(title));
      expect(lines.map((m) => m.names.slice(0, 3))).toEqual(
        functions.map(() => ['AWS/Lambda', metric, 'FunctionName']),
      );
      expect(lines.map((m) => m.names[3]).sort()).toEqual([...functions].sort());
    }
    // The service's own metrics: the dashboard shows exactly the metrics the code emits, under the same namespace,
    // unit and dimension values (a metric the code stops emitting, or starts emitting unlisted, fails here).
    const ours = widgets.flatMap((widget) => metricsOf(widget)).filter((m) => m.names[0] === 'OrdersComplete');
    const shown = [...new Set(ours.map((m) => m.names[1]))].sort();
    const emittedNames = [
      ...new Set(emitted.filter((m) => m.namespace === 'OrdersComplete').map((m) => m.name)),
    ].sort();
    // Every catalogued metric is shown; those of the two functions run here are exactly the ones they emitted (the
    // webhook sender's are checked by its own tests, not run here).
    expect(shown).toEqual(Object.keys(METRICS).sort());
    const ofRunFunctions = Object.entries(METRICS)
      .filter(([, spec]) => spec.emittedBy === 'completeOrder' || spec.emittedBy === 'relayPendingEvents')
      .map(([name]) => name)
      .sort();
    expect(emittedNames).toEqual(ofRunFunctions);
    expect(emitted.every((m) => m.namespace === 'OrdersComplete')).toBe(true);
    for (const m of emitted) {
      expect(m.dimensions).toEqual([['service', 'stage']]);
      expect(m.dimensionValues).toEqual({ service: 'orders-complete', stage: 'prod' });
      expect(m.unit).toBe(METRICS[m.name as keyof typeof METRICS].unit);
    }
    for (const m of ours) expect(m.names.slice(2)).toEqual(['service', 'orders-complete', 'stage', 'prod']);
    expect(metricsOf(byTitle.get('Relay dead-letter queue: failed passes (messages sent) and depth'))).toContainEqual({
      names: ['AWS/SQS', 'NumberOfMessagesSent', 'QueueName', '${RelayDeadLetterQueue.QueueName}'],
      options: { stat: 'Sum', label: 'sent' },
    });
    // Every placeholder names a resource of the stack (or its region); widgets sit on the 24-column grid unoverlapped.
    for (const [, name] of dashboardBodyOf(prod.template).matchAll(/\$\{([^}]+)\}/g)) {
      const id = (name as string).split('.')[0] as string;
      if (id !== 'AWS::Region') expect(Object.keys(prod.template.Resources)).toContain(id);
    }
    const cells = new Set<string>();
    for (const widget of widgets) {
      expect(widget.x + widget.width).toBeLessThanOrEqual(24);
      for (let x = widget.x; x < widget.x + widget.width; x += 1)
        for (let y = widget.y; y < widget.y + widget.height; y += 1) {
          expect(cells.has(`${x},${y}`)).toBe(false);
          cells.add(`${x},${y}`);
        }
    }
  });

  test('concurrency: the relay has its own, completeOrder a cap per stage, a relay event expires within its minute', () => {
    for (const [{ template }, cap, burst] of [
      [dev, 80, 40],
      [prod, 800, 400],
    ] as const) {
      const relay = template.Resources.RelayPendingEventsLambdaFunction?.Properties;
      const request = template.Resources.CompleteOrderLambdaFunction?.Properties;
      // RELAY_PARTS invocations a minute, each at most its 60 s timeout: one round may overlap the next, never more.
      const relayParts = ofType(template, 'AWS::Events::Rule').filter(
        ([, rule]) => rule.Properties.ScheduleExpression !== undefined,
      ).length;
      expect(relayParts).toBe(8);
      expect(relay?.ReservedConcurrentExecutions).toBe(2 * relayParts);
      // Twice the stage's burst: a request waits at most the 2 s publish budget and still answers 200.
      expect(request?.ReservedConcurrentExecutions).toBe(cap);
      expect(cap).toBe(2 * burst);
      expect(template.Resources.HttpApiStage?.Properties.DefaultRouteSettings).toMatchObject({
        ThrottlingBurstLimit: burst,
      });
      // Lambda keeps at least 100 of the default 1 000 unreserved; getOpenApi and everything else use those.
      expect(1000 - cap - 2 * relayParts).toBeGreaterThanOrEqual(100);
      expect(template.Resources.GetOpenApiLambdaFunction?.Properties.ReservedConcurrentExecutions).toBeUndefined();
      // A relay invocation that cannot start within a minute is superseded by the next scheduled one (to the DLQ).
      expect(template.Resources.RelayPendingEventsLambdaEvConf?.Properties).toMatchObject({
        MaximumEventAgeInSeconds: 60,
        MaximumRetryAttempts: 0,
      });
    }
    // docs/capacity.md works with the same figures.
    const capacity = readFileSync(join(root, 'docs', 'capacity.md'), 'utf8');
    expect(capacity).toMatch(/\| completeOrder\s+\|\s+80\s+\|\s+800\s+\|/);
    expect(capacity).toMatch(/\| relayPendingEvents\s+\|\s+16\s+\|\s+16\s+\|/);
    expect(capacity).toContain('MaximumEventAgeInSeconds');
  });
});
