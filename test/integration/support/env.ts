/**
 * Environment for test files that import handlers/complete-order.ts: that module reads its config
 * (loadConfig) and builds its SDK clients at load time. Import this file FIRST (before the handler
 * module). DYNAMODB_ENDPOINT, ORDERS_TABLE_NAME and ACCOUNTS_TABLE_NAME come from the integration global setup.
 * The EventBridge endpoint points at a closed port: the module-level publisher is never used here.
 */
process.env.AWS_REGION ??= 'us-east-1';
process.env.EVENT_BUS_NAME ??= 'orders-integration';
process.env.EVENT_SOURCE ??= 'orders-complete.integration';
process.env.EVENTBRIDGE_ENDPOINT = 'http://127.0.0.1:9';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

export {};
