import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { baseUrl, client, getRaw, stackLog, tableName } from './support/e2e';

/**
 * What `npm start` promises beyond "it printed the ready line" (all global setup waits for): the banner names the
 * port it listens on, the URL answers, and every sample order of seed/sample-orders.json is in the table.
 */
const sampleOrders = JSON.parse(
  readFileSync(join(resolve(__dirname, '..', '..'), 'seed', 'sample-orders.json'), 'utf8'),
) as {
  account_id: string;
  order_handle: string;
  type: 'pick' | 'drop';
  type_index: number;
  fulfillment_attempt: number;
}[];

describe('local stack startup', () => {
  test('the ready banner names the port the stack answers on, and it answers', async () => {
    const startupMs = Number(process.env.E2E_STARTUP_MS);
    console.log(`local stack startup: ${startupMs} ms`);
    const port = new URL(baseUrl()).port;
    const log = readFileSync(stackLog(), 'utf8');
    expect(log).toContain(`orders-complete is ready at http://localhost:${port}`);
    expect(log).toContain(`table ${tableName()}`);
    const response = await fetch(`${baseUrl()}/openapi.json`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { openapi?: string }).openapi).toBe('3.1.0');
  });

  test('every sample order is seeded', async () => {
    expect(sampleOrders.length).toBeGreaterThan(0);
    for (const order of sampleOrders) {
      const stored = await getRaw(client, order);
      expect({ handle: order.order_handle, stored: stored !== undefined }).toEqual({
        handle: order.order_handle,
        stored: true,
      });
    }
  });
});
