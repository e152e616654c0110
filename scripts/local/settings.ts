import { resolve } from 'node:path';

/**
 * Ports, paths and names of the local stack, one place. Every value can be overridden from the
 * environment, so tests (or a second stack) can run beside a developer's `npm start`.
 */
const int = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${name} must be a port number (1-65535), not "${raw}"`);
  }
  return value;
};

/** An on/off switch from the environment (unset or empty: the fallback). */
const onOff = (name: string, fallback: boolean): boolean => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'on') return true;
  if (raw === 'off') return false;
  throw new Error(`${name} must be "on" or "off", not "${raw}"`);
};

/** serverless.yml's table name for a stage (${self:service}-${sls:stage}-orders), for the scripts. */
export const stageTableName = (stage: string): string => `orders-complete-${stage}-orders`;
/** serverless.yml's accounts table name for a stage (${self:service}-${sls:stage}-accounts). */
export const stageAccountsTableName = (stage: string): string => `orders-complete-${stage}-accounts`;
/** serverless.yml's webhooks table name for a stage (${self:service}-${sls:stage}-webhooks). */
export const stageWebhooksTableName = (stage: string): string => `orders-complete-${stage}-webhooks`;
/** serverless.yml's event bus name for a stage (${self:service}-${sls:stage}). */
export const stageBusName = (stage: string): string => `orders-complete-${stage}`;

export const localSettings = () => {
  const localDir = resolve(process.env.LOCAL_DIR ?? '.local');
  const dynamodbPort = int('DYNAMODB_PORT', 8000);
  const eventbridgePort = int('EVENTBRIDGE_PORT', 4010);
  return {
    localDir,
    httpPort: int('HTTP_PORT', 3000),
    lambdaPort: int('LAMBDA_PORT', 3002),
    dynamodbPort,
    eventbridgePort,
    eventbridgePubSubPort: int('EVENTBRIDGE_PUBSUB_PORT', 4011),
    /** Set to use a DynamoDB or EventBridge endpoint you run yourself (or a fault-injecting proxy). */
    dynamodbEndpoint: process.env.DYNAMODB_ENDPOINT || `http://127.0.0.1:${dynamodbPort}`,
    eventbridgeEndpoint: process.env.EVENTBRIDGE_ENDPOINT || `http://127.0.0.1:${eventbridgePort}`,
    startOwnDynamoDb: !process.env.DYNAMODB_ENDPOINT,
    dynamodbDataDir: resolve(localDir, 'dynamodb'),
    eventsFile: resolve(localDir, 'events.jsonl'),
    /** The local webhook receiver: its port, what it verified, and what the local sender gave up (dead letters). */
    webhookReceiverPort: int('WEBHOOK_RECEIVER_PORT', 4020),
    webhooksFile: resolve(localDir, 'webhooks.jsonl'),
    webhookDeadLettersFile: resolve(localDir, 'webhook-dead-letters.jsonl'),
    esbuildDir: resolve(localDir, 'esbuild'),
    /**
     * serverless offline runs relayPendingEvents every minute, as AWS does. RELAY_SCHEDULE=off leaves pending
     * events to `npm run relay` (the e2e stack: its tests own the relay and never race a scheduled pass).
     */
    relaySchedule: onOff('RELAY_SCHEDULE', true),
    tableName: stageTableName('local'),
    accountsTableName: stageAccountsTableName('local'),
    webhooksTableName: stageWebhooksTableName('local'),
    /** serverless.yml's bus and source for stage "local". */
    busName: stageBusName('local'),
    eventSource: 'orders-complete',
    region: process.env.AWS_REGION ?? 'us-east-1',
  };
};
export type LocalSettings = ReturnType<typeof localSettings>;
