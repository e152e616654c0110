import type { Item, Values } from './evaluate';

/** The fake DynamoDB's wire types and errors (./fake-dynamodb.ts). */
export interface KeySchemaElement {
  AttributeName: string;
  KeyType: 'HASH' | 'RANGE';
}

export interface IndexDefinition {
  IndexName: string;
  KeySchema: readonly KeySchemaElement[];
}

export type Request = Record<string, unknown> & {
  TableName?: string;
  Key?: Item;
  Item?: Item;
  ConditionExpression?: string;
  UpdateExpression?: string;
  ProjectionExpression?: string;
  KeyConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Values;
  ReturnValues?: string;
  ReturnValuesOnConditionCheckFailure?: string;
  ScanIndexForward?: boolean;
  Limit?: number;
  ExclusiveStartKey?: Item;
  IndexName?: string;
  Select?: string;
  TransactItems?: unknown[];
  RequestItems?: Record<string, unknown>;
};

export type BatchGetRequest = Record<
  string,
  { Keys: Item[]; ProjectionExpression?: string; ExpressionAttributeNames?: Record<string, string> }
>;

export class DynamoDbError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const MAX_ITEM_BYTES = 400 * 1024;
export const scalar = (value: Item[string] | undefined): string =>
  value === undefined ? '' : 'S' in value ? value.S : 'N' in value ? value.N : JSON.stringify(value);
