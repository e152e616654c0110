import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LocalHttpServer } from '../local-http-server';
import { applyUpdate, getPath, holds, itemBytes, order, setPath, type Item, type Values } from './evaluate';
import { ExpressionError, parseCondition, parseProjection, parseUpdate, type Condition } from './expressions';
import { SparseIndex } from './sparse-index';
import {
  DynamoDbError,
  MAX_ITEM_BYTES,
  scalar,
  type BatchGetRequest,
  type IndexDefinition,
  type KeySchemaElement,
  type Request,
} from './wire';

export type { IndexDefinition, KeySchemaElement } from './wire';

/**
 * A fast in-memory DynamoDB endpoint (AWS JSON 1.0 over HTTP, as the SDK speaks it) for figures that must reflect
 * the caller, not a JVM: GetItem, PutItem, UpdateItem (conditions, ReturnValues, ReturnValuesOnConditionCheckFailure),
 * Query on the table's keys or on a KEYS_ONLY global secondary index (sparse, as the pending-events index), BatchGetItem,
 * BatchWriteItem puts. Conditions and updates are evaluated for real (./expressions.ts); what it does not support it
 * refuses. `latencyMs` delays every answer (an in-Region round trip, for the relay bench). Capacity units are not
 * modelled: DynamoDB Local (scripts/local/dynamodb-local.ts) is the reference for those.
 */
interface Table {
  hash: string;
  range: string | undefined;
  partitions: Map<string, Map<string, Item>>;
  indexes: Map<string, SparseIndex>;
}

export class FakeDynamoDb extends LocalHttpServer {
  private readonly tables = new Map<string, Table>();
  /** How many calls each operation received. */
  readonly calls = new Map<string, number>();
  /** Milliseconds every answer waits (0: at once). */
  latencyMs = 0;

  createTable(name: string, keySchema: readonly KeySchemaElement[], indexes: readonly IndexDefinition[] = []): void {
    const hash = keySchema.find((key) => key.KeyType === 'HASH')?.AttributeName;
    if (hash === undefined) throw new Error('a table needs a HASH key');
    const range = keySchema.find((key) => key.KeyType === 'RANGE')?.AttributeName;
    const indexMap = new Map<string, SparseIndex>();
    for (const index of indexes) {
      const indexHash = index.KeySchema.find((key) => key.KeyType === 'HASH')?.AttributeName;
      const indexRange = index.KeySchema.find((key) => key.KeyType === 'RANGE')?.AttributeName;
      if (indexHash === undefined || indexRange === undefined) throw new Error('an index needs HASH and RANGE keys');
      indexMap.set(
        index.IndexName,
        new SparseIndex(indexHash, indexRange, range === undefined ? [hash] : [hash, range]),
      );
    }
    this.tables.set(name, { hash, range, partitions: new Map(), indexes: indexMap });
  }

  /** Every item of a table, as stored (DynamoDB JSON). */
  *items(name: string): Generator<Item> {
    for (const partition of this.tables.get(name)?.partitions.values() ?? []) yield* partition.values();
  }

  /** Empties a table (a long bench keeps memory flat between rounds). */
  clear(name: string): void {
    this.tables.get(name)?.partitions.clear();
    for (const index of this.tables.get(name)?.indexes.values() ?? []) index.clear();
  }

  protected async receive(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const operation = String(request.headers['x-amz-target'] ?? '').replace(/^DynamoDB_\d+\./, '');
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
    let status = 200;
    let body: unknown;
    try {
      body = this.handle(operation, JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Request);
    } catch (error) {
      status = 400;
      const known = error instanceof DynamoDbError ? error : undefined;
      const type = known?.type ?? (error instanceof ExpressionError ? 'ValidationException' : 'InternalFailure');
      if (known === undefined && !(error instanceof ExpressionError)) status = 500;
      body = {
        __type: `com.amazonaws.dynamodb.v20120810#${type}`,
        message: error instanceof Error ? error.message : String(error),
        ...known?.extra,
      };
    }
    const text = JSON.stringify(body);
    if (this.latencyMs > 0) await new Promise((done) => setTimeout(done, this.latencyMs));
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() });
    response.end(text);
  }

  private handle(operation: string, input: Request): unknown {
    switch (operation) {
      case 'GetItem':
        return this.getItem(input);
      case 'PutItem':
        return this.putItem(input);
      case 'UpdateItem':
        return this.updateItem(input);
      case 'Query':
        return this.query(input);
      case 'BatchWriteItem':
        return this.batchWrite(input);
      case 'BatchGetItem':
        return this.batchGet(input);
      case 'TransactWriteItems':
        return this.transactWrite(input);
      default:
        throw new DynamoDbError('UnknownOperationException', `the fake does not implement ${operation}`);
    }
  }

  private table(name: string | undefined): Table {
    const table = this.tables.get(name ?? '');
    if (table === undefined) throw new DynamoDbError('ResourceNotFoundException', 'Requested resource not found');
    return table;
  }

  private slot(table: Table, key: Item): { partition: Map<string, Item>; range: string } {
    const hash = scalar(key[table.hash]);
    if (hash === '')
      throw new DynamoDbError('ValidationException', 'The provided key element does not match the schema');
    let partition = table.partitions.get(hash);
    if (partition === undefined) table.partitions.set(hash, (partition = new Map<string, Item>()));
    return { partition, range: table.range === undefined ? '' : scalar(key[table.range]) };
  }

  private check(condition: string | undefined, input: Request, item: Item | undefined): void {
    if (condition === undefined) return;
    const parsed: Condition = parseCondition(condition, input.ExpressionAttributeNames);
    if (holds(parsed, item ?? {}, input.ExpressionAttributeValues ?? {})) return;
    const returnOld = input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && item !== undefined;
    throw new DynamoDbError(
      'ConditionalCheckFailedException',
      'The conditional request failed',
      returnOld ? { Item: item } : {},
    );
  }

  private store(table: Table, item: Item): void {
    if (itemBytes(item) > MAX_ITEM_BYTES) {
      throw new DynamoDbError('ValidationException', 'Item size has exceeded the maximum allowed size');
    }
    const { partition, range } = this.slot(table, item);
    const before = partition.get(range);
    partition.set(range, item);
    this.reindex(table, before, item);
  }

  /** Keeps each sparse index in step with one item's change. */
  private reindex(table: Table, before: Item | undefined, after: Item): void {
    for (const index of table.indexes.values()) index.update(before, after);
  }

  private getItem(input: Request): unknown {
    const table = this.table(input.TableName);
    const { partition, range } = this.slot(table, input.Key ?? {});
    const item = partition.get(range);
    return item === undefined ? {} : { Item: this.project(item, input) };
  }

  private putItem(input: Request): unknown {
    const table = this.table(input.TableName);
    const item = input.Item ?? {};
    const { partition, range } = this.slot(table, item);
    const before = partition.get(range);
    this.check(input.ConditionExpression, input, before);
    this.store(table, item);
    return input.ReturnValues === 'ALL_OLD' && before !== undefined ? { Attributes: before } : {};
  }

  private updateItem(input: Request): unknown {
    const table = this.table(input.TableName);
    const key = input.Key ?? {};
    const { partition, range } = this.slot(table, key);
    const before = partition.get(range);
    this.check(input.ConditionExpression, input, before);
    const plan = parseUpdate(input.UpdateExpression ?? '', input.ExpressionAttributeNames);
    const after = applyUpdate(before ?? structuredClone(key), plan, input.ExpressionAttributeValues ?? {});
    this.store(table, after);
    if (input.ReturnValues === 'ALL_NEW') return { Attributes: after };
    if (input.ReturnValues === 'ALL_OLD') return before === undefined ? {} : { Attributes: before };
    return {};
  }

  /** A Query on a sparse KEYS_ONLY index: `hash = :value` only, in range order, Limit and ExclusiveStartKey. */
  private queryIndex(table: Table, input: Request): unknown {
    const index = table.indexes.get(input.IndexName ?? '');
    if (index === undefined)
      throw new DynamoDbError('ValidationException', 'The table does not have the specified index');
    const values = input.ExpressionAttributeValues ?? {};
    const condition = parseCondition(input.KeyConditionExpression ?? '', input.ExpressionAttributeNames);
    const hashValue = this.hashValueOf(condition, { ...table, hash: index.hash }, values);
    const { keys, last } = index.page(hashValue, {
      forward: input.ScanIndexForward !== false,
      exclusiveStart: input.ExclusiveStartKey,
      limit: input.Limit,
    });
    return {
      ...(input.Select === 'COUNT' ? {} : { Items: keys.map((key) => this.project(key, input)) }),
      Count: keys.length,
      ScannedCount: keys.length,
      ...(last === undefined ? {} : { LastEvaluatedKey: last }),
    };
  }

  private query(input: Request): unknown {
    const table = this.table(input.TableName);
    if (input.IndexName !== undefined) return this.queryIndex(table, input);
    const names = input.ExpressionAttributeNames;
    const values = input.ExpressionAttributeValues ?? {};
    const condition = parseCondition(input.KeyConditionExpression ?? '', names);
    const hashValue = this.hashValueOf(condition, table, values);
    const partition = table.partitions.get(hashValue) ?? new Map<string, Item>();
    let items = [...partition.values()].filter((item) => holds(condition, item, values));
    const rangeName = table.range;
    if (rangeName !== undefined) items.sort((a, b) => order(a[rangeName], b[rangeName]) ?? 0);
    if (input.ScanIndexForward === false) items.reverse();
    const start = input.ExclusiveStartKey;
    if (start !== undefined && rangeName !== undefined) {
      const at = items.findIndex((item) => scalar(item[rangeName]) === scalar(start[rangeName]));
      items = items.slice(at + 1);
    }
    const limited = input.Limit === undefined ? items : items.slice(0, input.Limit);
    const last = limited[limited.length - 1];
    const more = limited.length < items.length && last !== undefined;
    return {
      Items: limited.map((item) => this.project(item, input)),
      Count: limited.length,
      ScannedCount: limited.length,
      ...(more ? { LastEvaluatedKey: this.keyOf(table, last) } : {}),
    };
  }

  private hashValueOf(condition: Condition, table: Table, values: Values): string {
    const clauses: Condition[] = condition.kind === 'and' ? [condition.left, condition.right] : [condition];
    for (const clause of clauses) {
      if (clause.kind !== 'compare' || clause.op !== '=' || clause.left.kind !== 'path') continue;
      const name = clause.left.path[0];
      if (name !== undefined && 'name' in name && name.name === table.hash && clause.right.kind === 'value') {
        return scalar(values[clause.right.name]);
      }
    }
    throw new DynamoDbError('ValidationException', 'Query condition missed key schema element');
  }

  private keyOf(table: Table, item: Item): Item {
    const key: Item = {};
    for (const name of [table.hash, table.range]) {
      const value = name === undefined ? undefined : item[name];
      if (name !== undefined && value !== undefined) key[name] = value;
    }
    return key;
  }

  private project(item: Item, input: Request): Item {
    if (input.ProjectionExpression === undefined) return item;
    const projected: Item = {};
    for (const path of parseProjection(input.ProjectionExpression, input.ExpressionAttributeNames)) {
      const value = getPath(item, path);
      if (value !== undefined && path.length === 1) setPath(projected, path, value);
    }
    return projected;
  }

  /** Conditional updates, all or none: a failed condition cancels all, naming it in CancellationReasons. */
  private transactWrite(input: Request): unknown {
    const writes = ((input.TransactItems ?? []) as { Update?: Request }[]).map((item) => {
      if (item.Update === undefined) throw new DynamoDbError('ValidationException', 'the fake transacts updates only');
      return item.Update;
    });
    if (writes.length > 100) throw new DynamoDbError('ValidationException', 'Member must have length <= 100');
    const reasons = writes.map((update) => {
      const table = this.table(update.TableName);
      const { partition, range } = this.slot(table, update.Key ?? {});
      try {
        this.check(update.ConditionExpression, update, partition.get(range));
        return { Code: 'None' };
      } catch (error) {
        if (error instanceof DynamoDbError && error.type === 'ConditionalCheckFailedException') {
          return { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' };
        }
        throw error;
      }
    });
    if (reasons.some((reason) => reason.Code !== 'None')) {
      throw new DynamoDbError(
        'TransactionCanceledException',
        `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
        { CancellationReasons: reasons },
      );
    }
    for (const update of writes) this.updateItem(update);
    return {};
  }

  private batchGet(input: Request): unknown {
    const responses: Record<string, Item[]> = {};
    for (const [name, request] of Object.entries((input.RequestItems ?? {}) as BatchGetRequest)) {
      const table = this.table(name);
      if (request.Keys.length > 100) throw new DynamoDbError('ValidationException', 'Too many items requested');
      responses[name] = request.Keys.flatMap((key) => {
        const { partition, range } = this.slot(table, key);
        const item = partition.get(range);
        return item === undefined ? [] : [this.project(item, { ...request })];
      });
    }
    return { Responses: responses, UnprocessedKeys: {} };
  }

  private batchWrite(input: Request): unknown {
    for (const [name, requests] of Object.entries(
      (input.RequestItems ?? {}) as Record<string, { PutRequest?: { Item: Item } }[]>,
    )) {
      const table = this.table(name);
      for (const request of requests) {
        if (request.PutRequest === undefined) throw new DynamoDbError('ValidationException', 'puts only');
        this.store(table, request.PutRequest.Item);
      }
    }
    return { UnprocessedItems: {} };
  }
}
