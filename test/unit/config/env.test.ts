import { describe, expect, test } from '@jest/globals';
import { loadConfig } from '../../../config/env';

const valid = {
  ORDERS_TABLE_NAME: 'orders',
  EVENT_BUS_NAME: 'orders-bus',
  EVENT_SOURCE: 'orders.complete',
  ACCOUNTS_TABLE_NAME: 'accounts',
};

const errorOf = (env: NodeJS.ProcessEnv): string => {
  try {
    loadConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected loadConfig to throw');
};

describe('loadConfig', () => {
  test('applies defaults', () => {
    expect(loadConfig(valid)).toEqual({
      ...valid,
      AWS_REGION: 'us-east-1',
      ACCOUNTS_CACHE_SECONDS: 60,
      ACCOUNTS_CACHE_ENTRIES: 10_000,
      PUBLISH_LEASE_MS: 10_000,
      PUBLISH_TIMEOUT_MS: 2_000,
      RELAY_LEASE_MS: 30_000,
      PENDING_SHARDS: 8,
      PUBLISH_BREAKER_FAILURES: 5,
      PUBLISH_BREAKER_COOLDOWN_MS: 5_000,
      PUBLISH_BREAKER_PROBE_TIMEOUT_MS: 500,
      RELAY_WORKERS: 8,
      RELAY_PAGE_SIZE: 100,
      RELAY_PUT_EVENTS_IN_FLIGHT: 8,
      PUT_EVENTS_QUOTA_PER_SECOND: 10_000,
      RELAY_PUT_EVENTS_SHARE_PERCENT: 10,
      RELAY_PARTS: 8,
    });
  });

  test('reads every setting', () => {
    const config = loadConfig({
      ...valid,
      AWS_REGION: 'eu-central-1',
      ACCOUNTS_TABLE_NAME: 'orders-complete-prod-accounts',
      ACCOUNTS_CACHE_SECONDS: '5',
      ACCOUNTS_CACHE_ENTRIES: '500',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
      EVENTBRIDGE_ENDPOINT: 'http://127.0.0.1:4010',
      PUBLISH_LEASE_MS: '2500',
      PUBLISH_TIMEOUT_MS: '1500',
      RELAY_LEASE_MS: '45000',
      PUBLISH_BREAKER_FAILURES: '3',
      PUBLISH_BREAKER_COOLDOWN_MS: '1000',
      PUBLISH_BREAKER_PROBE_TIMEOUT_MS: '250',
      RELAY_WORKERS: '4',
      RELAY_PUT_EVENTS_IN_FLIGHT: '16',
      PUT_EVENTS_QUOTA_PER_SECOND: '2400',
      RELAY_PUT_EVENTS_SHARE_PERCENT: '25',
    });
    expect(config).toMatchObject({
      AWS_REGION: 'eu-central-1',
      ACCOUNTS_TABLE_NAME: 'orders-complete-prod-accounts',
      ACCOUNTS_CACHE_SECONDS: 5,
      ACCOUNTS_CACHE_ENTRIES: 500,
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
      EVENTBRIDGE_ENDPOINT: 'http://127.0.0.1:4010',
      PUBLISH_LEASE_MS: 2500,
      PUBLISH_TIMEOUT_MS: 1500,
      RELAY_LEASE_MS: 45_000,
      PUBLISH_BREAKER_FAILURES: 3,
      PUBLISH_BREAKER_COOLDOWN_MS: 1_000,
      PUBLISH_BREAKER_PROBE_TIMEOUT_MS: 250,
      RELAY_WORKERS: 4,
      RELAY_PUT_EVENTS_IN_FLIGHT: 16,
      PUT_EVENTS_QUOTA_PER_SECOND: 2_400,
      RELAY_PUT_EVENTS_SHARE_PERCENT: 25,
    });
  });

  test('the request path publish budget must end before its lease (or the relay could publish alongside it)', () => {
    expect(errorOf({ ...valid, PUBLISH_LEASE_MS: '2000', PUBLISH_TIMEOUT_MS: '2000' })).toContain(
      'PUBLISH_TIMEOUT_MS: must be less than PUBLISH_LEASE_MS',
    );
  });

  test('missing required variables throw, naming each one', () => {
    const message = errorOf({});
    expect(message).toMatch(/^invalid configuration: /);
    for (const name of ['ORDERS_TABLE_NAME', 'EVENT_BUS_NAME', 'EVENT_SOURCE', 'ACCOUNTS_TABLE_NAME']) {
      expect(message).toContain(name);
    }
  });

  test.each(['ORDERS_TABLE_NAME', 'EVENT_BUS_NAME', 'EVENT_SOURCE', 'ACCOUNTS_TABLE_NAME'] as const)(
    'missing %s alone is named',
    (name) => {
      const { [name]: _omitted, ...rest } = valid;
      const message = errorOf(rest);
      expect(message).toContain(`${name}:`);
    },
  );

  test('the accounts cache may not outlive 60 s: the bound on how late a revocation takes effect', () => {
    expect(errorOf({ ...valid, ACCOUNTS_CACHE_SECONDS: '61' })).toContain('ACCOUNTS_CACHE_SECONDS');
    expect(loadConfig({ ...valid, ACCOUNTS_CACHE_SECONDS: '60' }).ACCOUNTS_CACHE_SECONDS).toBe(60);
  });

  test.each(['DYNAMODB_ENDPOINT', 'EVENTBRIDGE_ENDPOINT'])('an empty-string %s is treated as unset', (name) => {
    const config = loadConfig({ ...valid, [name]: '' });
    expect(config).not.toHaveProperty(name, '');
    expect((config as Record<string, unknown>)[name]).toBeUndefined();
  });

  test('empty-string numbers fall back to their defaults', () => {
    const config = loadConfig({ ...valid, ACCOUNTS_CACHE_SECONDS: '', PUBLISH_LEASE_MS: '' });
    expect(config.ACCOUNTS_CACHE_SECONDS).toBe(60);
    expect(config.PUBLISH_LEASE_MS).toBe(10_000);
  });

  test('an endpoint that is not a URL is refused', () => {
    expect(errorOf({ ...valid, DYNAMODB_ENDPOINT: 'localhost 8000' })).toContain('DYNAMODB_ENDPOINT');
  });

  test.each([
    ['ACCOUNTS_CACHE_SECONDS', '0'],
    ['ACCOUNTS_CACHE_SECONDS', '3601'],
    ['ACCOUNTS_CACHE_ENTRIES', '0'],
    ['ACCOUNTS_TABLE_NAME', 'ab'],
    ['ACCOUNTS_CACHE_SECONDS', 'soon'],
    ['PUBLISH_LEASE_MS', '99'],
    ['PUBLISH_LEASE_MS', '300001'],
    ['PUBLISH_LEASE_MS', '1.5'],
    ['PUBLISH_TIMEOUT_MS', '99'],
    ['RELAY_LEASE_MS', '300001'],
    ['ORDERS_TABLE_NAME', 'ab'],
  ])('%s=%j is out of range', (name, value) => {
    expect(errorOf({ ...valid, [name]: value })).toContain(name);
  });

  test('reads process.env by default', () => {
    // test/unit/setup-env.ts gives the unit project a valid configuration.
    expect(loadConfig().ORDERS_TABLE_NAME).toBe(process.env.ORDERS_TABLE_NAME);
  });
});
