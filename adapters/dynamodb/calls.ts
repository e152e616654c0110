import { setTimeout as sleep } from 'node:timers/promises';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { DependencyUnavailable } from '../../domain/errors';
import type { OrderKey } from '../../domain/order-fields';
import type { CallOptions } from '../../domain/ports';
import { isDependencyUnavailable } from '../aws-errors';
import { ITEM_EXISTS, withAssignment, type ConditionalChange } from './conditions';
import { orderItemKey } from './keys';

/** Runs one DynamoDB call, turning throttling, timeouts and outages into DependencyUnavailable. */
export const call = async <T>(operation: () => Promise<T>): Promise<T> => {
  try {
    return await operation();
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException) && isDependencyUnavailable(error)) {
      throw new DependencyUnavailable('dynamodb', { cause: error });
    }
    throw error;
  }
};

/**
 * Every page a Query returns, one call each (through `call`, with the caller's abort signal), made only when the
 * consumer asks for it, so a consumer that stops early reads no further page.
 */
export async function* queryPages(
  client: DynamoDBDocumentClient,
  input: QueryCommandInput,
  { signal }: CallOptions = {},
): AsyncGenerator<Record<string, unknown>[]> {
  let startKey = input.ExclusiveStartKey;
  do {
    const page = await call(() =>
      client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }), { abortSignal: signal }),
    );
    yield page.Items ?? [];
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
}

/** Every item a Query returns, page after page, reading a page only when the consumer asks for more (queryPages). */
export async function* queryItems(
  client: DynamoDBDocumentClient,
  input: QueryCommandInput,
  options: CallOptions = {},
): AsyncGenerator<Record<string, unknown>> {
  for await (const page of queryPages(client, input, options)) yield* page;
}

/** Batch calls retried while DynamoDB leaves some of the batch unprocessed: this many rounds, then an outage. */
export const BATCH_ROUNDS = 9;

/**
 * The one retry helper for batch calls: sends `first`, then whatever DynamoDB left unprocessed, backing off
 * exponentially (100 ms doubling, at most 1 s), until nothing is left; DependencyUnavailable after BATCH_ROUNDS.
 */
export const untilProcessed = async <T>(first: T[], send: (batch: T[]) => Promise<T[]>): Promise<void> => {
  let batch = first;
  for (let attempt = 0; batch.length > 0; attempt += 1) {
    if (attempt > 0) await sleep(Math.min(1000, 50 * 2 ** attempt));
    if (attempt >= BATCH_ROUNDS) throw new DependencyUnavailable('dynamodb');
    batch = await call(() => send(batch));
  }
};

/** A conditional UpdateCommand on one order item; true when the condition held and the update was made. */
export const conditionalUpdate = async (
  client: DynamoDBDocumentClient,
  tableName: string,
  key: OrderKey,
  updateExpression: string,
  { condition, values, names, set }: ConditionalChange,
): Promise<boolean> => {
  try {
    await call(() =>
      client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: orderItemKey(key),
          UpdateExpression: withAssignment(updateExpression, set),
          ConditionExpression: `${ITEM_EXISTS} AND ${condition}`,
          ExpressionAttributeValues: values,
          ...(names === undefined ? {} : { ExpressionAttributeNames: names }),
        }),
      ),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
};
