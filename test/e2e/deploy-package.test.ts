import { describe, expect, test, beforeAll } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

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

const ofType = (type: string) => Object.values(template.Resources).filter((resource) => resource.Type === type);

describe('serverless package (no AWS credentials)', () => {
  test('ships the API handler and the relay, bundled, on a supported runtime, arm64', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions).toHaveLength(2); // the local subscriber is not deployed
    for (const fn of functions) {
      expect(fn.Properties.Runtime).toMatch(/^nodejs(22|24)\.x$/);
      expect(fn.Properties.Architectures).toEqual(['arm64']);
    }
    // API Gateway gives up after 30 s: the API function answers (middy's early timeout) well before.
    expect(template.Resources.CompleteOrderLambdaFunction?.Properties.Timeout).toBeLessThan(30);
    expect(statSync(join(out, 'orders-complete.zip')).size).toBeGreaterThan(10_000);
  });

  test('the relay runs every minute; a failed pass is not retried but lands in a dead-letter queue', () => {
    const relay = template.Resources.RelayPendingEventsLambdaFunction;
    expect((relay?.Properties.Handler as string).endsWith('handlers/relay-pending-events.handler')).toBe(true);
    expect(relay?.Properties.Timeout).toBe(60);
    const rules = ofType('AWS::Events::Rule');
    expect(rules.map((rule) => rule.Properties.ScheduleExpression)).toEqual(['rate(1 minute)']);
    expect(JSON.stringify(rules[0]?.Properties.Targets)).toContain('RelayPendingEventsLambdaFunction');
    expect(template.Resources.RelayPendingEventsLambdaEvConf?.Properties).toMatchObject({
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['RelayDeadLetterQueue', 'Arn'] } } },
    });
    expect(template.Resources.RelayDeadLetterQueue?.Type).toBe('AWS::SQS::Queue');
  });

  test('alarms: an event pending over 5 minutes (or no relay figures at all), and any failed relay pass', () => {
    const alarms = Object.fromEntries(
      Object.entries(template.Resources).filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm'),
    );
    expect(alarms.PendingEventsStuckAlarm?.Properties).toMatchObject({
      Namespace: 'OrdersComplete',
      MetricName: 'OldestPendingEventAgeSeconds',
      Dimensions: [
        { Name: 'service', Value: 'orders-complete' },
        { Name: 'stage', Value: 'ci' },
      ],
      Statistic: 'Maximum',
      Threshold: 300,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'breaching',
    });
    expect(alarms.RelayFailuresAlarm?.Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['RelayDeadLetterQueue', 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    // The metrics the alarm reads are emitted under that namespace and those dimensions.
    const relayEnv = (
      template.Resources.RelayPendingEventsLambdaFunction?.Properties.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expect(relayEnv).toMatchObject({
      POWERTOOLS_METRICS_NAMESPACE: 'OrdersComplete',
      POWERTOOLS_SERVICE_NAME: 'orders-complete',
      STAGE: 'ci',
    });
  });

  test('the table has the sparse pending-events index, keys only', () => {
    expect(template.Resources.OrdersTable?.Properties.GlobalSecondaryIndexes).toEqual([
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

  test('IAM allows only the calls made, only on this stack’s resources', () => {
    const role = ofType('AWS::IAM::Role')[0];
    const policies = role?.Properties.Policies as {
      PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] };
    }[];
    const statements = policies.flatMap((policy) => policy.PolicyDocument.Statement);
    const appStatements = statements.filter((s) => ![s.Action].flat().every((action) => action.startsWith('logs:')));
    expect(appStatements).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:Query', 'dynamodb:UpdateItem'],
        Resource: { 'Fn::GetAtt': ['OrdersTable', 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: ['dynamodb:Query'],
        Resource: { 'Fn::Join': ['/', [{ 'Fn::GetAtt': ['OrdersTable', 'Arn'] }, 'index', 'pending-events']] },
      },
      { Effect: 'Allow', Action: ['dynamodb:BatchGetItem'], Resource: { 'Fn::GetAtt': ['OrdersTable', 'Arn'] } },
      { Effect: 'Allow', Action: ['events:PutEvents'], Resource: { 'Fn::GetAtt': ['OrderEventsBus', 'Arn'] } },
      { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: { Ref: 'AccountsSecret' } },
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['RelayDeadLetterQueue', 'Arn'] } },
    ]);
    expect(JSON.stringify(statements)).not.toContain('"*"');
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
