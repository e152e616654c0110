import { describe, expect, test } from '@jest/globals';
import { ConditionalCheckFailedException, TransactionConflictException } from '@aws-sdk/client-dynamodb';
import { call } from '../../../../adapters/dynamodb/calls';
import {
  TRACK_CHUNK_MAX_BYTES,
  TRACK_INLINE_MAX_BYTES,
  isConditionRefusal,
  packChunks,
  staysInline,
  storedSize,
  type Fix,
} from '../../../../adapters/dynamodb/track-chunks';
import { DependencyUnavailable } from '../../../../domain/errors';

const fix = (i: number): Fix => [-121.877246 - i / 1e6, 37.371916 + i / 1e6, 24.5, `2024-01-01T00:00:${i % 60}.000Z`];

describe('storedSize (DynamoDB item size rules)', () => {
  test.each([
    ['abc', 3],
    ['é', 2],
    [0, 2],
    [12, 2],
    [123, 3],
    [-121.877246, 6],
    [null, 1],
    [true, 1],
    [[], 3],
    [[1, 'ab'], 3 + 1 + 2 + 1 + 2],
  ])('%j -> %i bytes', (value, bytes) => {
    expect(storedSize(value)).toBe(bytes);
  });
});

describe('packChunks', () => {
  test('keeps every fix in order, numbers chunks from `first`, none over the chunk size', () => {
    const fixes = Array.from({ length: 2_000 }, (_, i) => fix(i));
    const chunks = packChunks(fixes, 7);
    expect(chunks.map((chunk) => chunk.chunk)).toEqual(chunks.map((_, i) => 7 + i));
    expect(chunks.flatMap((chunk) => chunk.fixes)).toEqual(fixes);
    for (const chunk of chunks) {
      expect(chunk.size_bytes).toBeLessThanOrEqual(TRACK_CHUNK_MAX_BYTES);
      expect(chunk.size_bytes).toBe(storedSize(chunk.fixes));
    }
    expect(chunks.length).toBeGreaterThan(1);
  });

  test('a fix larger than a chunk gets a chunk of its own', () => {
    const big: Fix = [0, 0, 0, 'x'.repeat(TRACK_CHUNK_MAX_BYTES * 2)];
    const chunks = packChunks([fix(0), big, fix(1)], 0);
    expect(chunks.map((chunk) => chunk.fixes.length)).toEqual([1, 1, 1]);
  });

  test('no fixes, no chunks', () => {
    expect(packChunks([], 0)).toEqual([]);
  });
});

describe('staysInline', () => {
  test(`tracks up to ${TRACK_INLINE_MAX_BYTES} stored bytes stay in the record`, () => {
    expect(staysInline([])).toBe(true);
    const fixes: Fix[] = [];
    while (staysInline([...fixes, fix(fixes.length)])) fixes.push(fix(fixes.length));
    expect(storedSize(fixes)).toBeLessThanOrEqual(TRACK_INLINE_MAX_BYTES);
    expect(storedSize([...fixes, fix(fixes.length)])).toBeGreaterThan(TRACK_INLINE_MAX_BYTES);
    expect(fixes.length).toBeGreaterThan(10); // the API page's short trips stay inline
  });
});

describe('isConditionRefusal: a lost race an append retries, never an outage', () => {
  const through = (error: Error) => call(() => Promise.reject(error)).catch((thrown: unknown) => thrown);

  test('a condition refused, or a write that met a transaction (as `call` reports it)', async () => {
    expect(isConditionRefusal(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }))).toBe(true);
    const conflict = await through(new TransactionConflictException({ message: 'ongoing', $metadata: {} }));
    expect(conflict).toBeInstanceOf(DependencyUnavailable);
    expect(isConditionRefusal(conflict)).toBe(true);
  });

  test('an outage is not a refusal', async () => {
    const throttled = await through(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    expect(throttled).toBeInstanceOf(DependencyUnavailable);
    expect(isConditionRefusal(throttled)).toBe(false);
  });
});
