import { describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import {
  LOCAL,
  client,
  completeJson,
  forRecord,
  getRaw,
  makeOrder,
  recordOf,
  seedOrders,
  waitForEvents,
  type JsonObject,
} from './support/e2e';

/**
 * Handles are any Unicode text of 1-256 characters. Sent percent-encoded in the path, the handle
 * must be decoded exactly once and name exactly one record: each case seeds the awkward handle and
 * look-alike siblings (its prefix, its once-more-decoded or not-decoded form, another normalisation),
 * completes the awkward one and checks only its record changed and its event names it exactly.
 */

interface AwkwardCase {
  /** The handle to complete, built from a unique plain prefix. */
  handle: (prefix: string) => string;
  /** Look-alike handles that must stay untouched (the prefix itself is always one). */
  siblings: (prefix: string) => string[];
  /** The path segment on the wire; encodeURIComponent unless given. */
  wire?: (handle: string) => string;
}

const cases: [string, AwkwardCase][] = [
  [
    "'#' sent as %23",
    { handle: (p) => `${p}#b`, siblings: (p) => [`${p}%23b`], wire: (h) => h.replaceAll('#', '%23') },
  ],
  [
    "'/' sent as %2F",
    { handle: (p) => `${p}/b`, siblings: (p) => [`${p}%2Fb`, 'b'], wire: (h) => h.replaceAll('/', '%2F') },
  ],
  ["'%' sent as %25", { handle: (p) => `${p}%b`, siblings: (p) => [`${p}%25b`] }],
  [
    "a literal '%25' sent as %2525 (decoded once, not twice)",
    { handle: (p) => `${p}%25b`, siblings: (p) => [`${p}%b`] },
  ],
  ["a literal '%23' sent as %2523 (never read as '#')", { handle: (p) => `${p}%23b`, siblings: (p) => [`${p}#b`] }],
  ["'+' sent raw (a plus, not a space)", { handle: (p) => `${p}+b`, siblings: (p) => [`${p} b`], wire: (h) => h }],
  ["' ' sent as %20", { handle: (p) => `${p} b`, siblings: (p) => [`${p}+b`, `${p}b`] }],
  ["'?', '&' and '=' sent encoded", { handle: (p) => `${p}?type=pick&x=1`, siblings: () => [] }],
  ['unicode with a 4-byte emoji', { handle: (p) => `${p}订单-🚚`, siblings: () => [] }],
  [
    'NFD "café" beside NFC "café" (distinct handles)',
    { handle: (p) => `${p}cafe\u0301`, siblings: (p) => [`${p}caf\u00e9`] },
  ],
  [
    '256 characters',
    { handle: (p) => p + 'x'.repeat(256 - p.length), siblings: (p) => [p + 'x'.repeat(255 - p.length)] },
  ],
  [
    '256 characters of 4-byte emoji (1 KiB of UTF-8)',
    { handle: (p) => p + '🚚'.repeat(256 - p.length), siblings: (p) => [p + '🚚'.repeat(255 - p.length)] },
  ],
  [
    'a zero-width space (a different handle from the one without it)',
    { handle: (p) => `${p}\u200b`, siblings: (p) => [`${p}\u200b\u200b`, `\u200b${p}`] },
  ],
  ["'<handle>#x' beside 'x#<handle>'", { handle: (p) => `${p}#x`, siblings: (p) => [`x#${p}`, `${p}#`] }],
  [
    "a handle holding the other account's id: 'other-account#<handle>'",
    { handle: (p) => `other-account#${p}`, siblings: (p) => [`local-account#${p}`] },
  ],
  [
    "a handle looking like the key layout: 'x#drop#0000000000'",
    { handle: (p) => `${p}#drop#0000000000#0000000000`, siblings: () => [] },
  ],
];

describe('awkward handles name exactly one record', () => {
  test.each(cases)('%s', async (_name, { handle: makeHandle, siblings: makeSiblings, wire }) => {
    const prefix = `a${randomBytes(4).toString('hex')}`;
    const handle = makeHandle(prefix);
    const siblings = [prefix, ...makeSiblings(prefix)].filter((sibling) => sibling !== handle);
    expect([...handle].length).toBeLessThanOrEqual(256);
    await seedOrders(
      client,
      [...siblings, handle].map((orderHandle) => makeOrder({ order_handle: orderHandle })),
    );
    const siblingsBefore = new Map<string, JsonObject | undefined>();
    for (const sibling of siblings) {
      siblingsBefore.set(sibling, await getRaw(client, recordOf(sibling)));
      expect(siblingsBefore.get(sibling)).toBeDefined();
    }

    const result = await completeJson(handle, { rawHandle: (wire ?? encodeURIComponent)(handle) });
    expect(result.status).toBe(200);
    expect(result.body.order_handle).toBe(handle);
    expect(result.body.status).toBe('completed');

    const after = await getRaw(client, recordOf(handle));
    expect(after?.status).toBe('completed');
    expect(after?.completed_at).toBe(result.body.completed_at);
    for (const sibling of siblings)
      expect({ sibling, item: await getRaw(client, recordOf(sibling)) }).toEqual({
        sibling,
        item: siblingsBefore.get(sibling),
      });

    const events = await waitForEvents(forRecord(LOCAL, handle));
    expect(events).toHaveLength(1);
    expect(events[0]?.detail.order_handle).toBe(handle);
    expect(events[0]?.detail.completed_at).toBe(result.body.completed_at);
  });
});
