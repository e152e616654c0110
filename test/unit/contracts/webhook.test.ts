import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parseWebhookBody, renderWebhookJsonSchema, WEBHOOK_SCHEMA_FILE } from '../../../contracts/webhook';
import { buildWebhookBody } from '../../../domain/webhooks/body';
import { buildOrderCompletedDetail } from '../../../domain/order-completed-event';

/** The webhook body's JSON Schema is what its zod schema renders; it accepts what the sender builds, only that. */
const root = resolve(__dirname, '..', '..', '..');
const committed = readFileSync(join(root, 'contracts', WEBHOOK_SCHEMA_FILE), 'utf8');
const body = buildWebhookBody(
  buildOrderCompletedDetail(
    { account_id: 'acct-1', order_handle: 'o-1', type: 'pick', type_index: 0, fulfillment_attempt: 0 },
    '0123456789abcdef0123456789abcdef',
    { completed_at: '2026-01-02T03:04:05.678Z', share_url: 'https://trck.at/x', metadata: { k: [1, 'a'] } },
  ),
);

describe(`contracts/${WEBHOOK_SCHEMA_FILE}`, () => {
  test('is what the zod schema renders (npm run event-schema)', () => {
    expect(committed).toBe(renderWebhookJsonSchema());
  });

  test('accepts a built body (and added fields), refuses broken ones', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(committed) as object);
    expect(validate(body)).toBe(true);
    expect(validate([{ ...body[0], added_later: 1 }])).toBe(true);
    expect(validate([])).toBe(false); // one event per delivery
    expect(validate([{ ...body[0], type: 'route' }])).toBe(false);
    expect(validate([{ ...body[0], data: { ...body[0]!.data, value: 'cancelled' } }])).toBe(false);
    expect(validate({ ...body[0] })).toBe(false); // an array, as the provider's
    expect(parseWebhookBody(JSON.parse(JSON.stringify(body)))).toEqual(body);
  });
});
