import { describe, expect, test } from '@jest/globals';
import { MAX_ATTEMPTS, classifyStatus, nominalSchedule, retryDelaySeconds } from '../../../../domain/webhooks/retry';

describe('delivery policy', () => {
  test('2xx delivered; 408, 425, 429 and 5xx retried; 410 disables; every other status dead-lettered at once', () => {
    for (const status of [200, 201, 202, 204, 299]) expect(classifyStatus(status).kind).toBe('delivered');
    for (const status of [408, 425, 429, 500, 501, 502, 503, 504, 505, 599])
      expect(classifyStatus(status).kind).toBe('retry');
    expect(classifyStatus(410)).toEqual({ kind: 'gone' });
    for (const status of [100, 301, 302, 303, 307, 308, 400, 401, 403, 404, 405, 409, 413, 415, 422])
      expect(classifyStatus(status)).toEqual({ kind: 'rejected', reason: `HTTP ${status}` });
  });

  test('the schedule: 30 s doubling to 4 h, 15 attempts over about 24 h', () => {
    const schedule = nominalSchedule();
    expect(schedule).toEqual([30, 60, 120, 240, 480, 960, 1920, 3840, 7680, 14400, 14400, 14400, 14400, 14400]);
    expect(schedule).toHaveLength(MAX_ATTEMPTS - 1);
    const hours = schedule.reduce((a, b) => a + b, 0) / 3600;
    expect(hours).toBeGreaterThan(23);
    expect(hours).toBeLessThan(25);
  });

  test('jitter: each delay within ±25 % of nominal, and spread', () => {
    expect(retryDelaySeconds(1, () => 0)).toBe(23); // 30 * 0.75, rounded
    expect(retryDelaySeconds(1, () => 1)).toBe(38); // 30 * 1.25, rounded
    expect(retryDelaySeconds(14, () => 0.5)).toBe(14400);
    const draws = new Set(Array.from({ length: 50 }, () => retryDelaySeconds(5)));
    expect(draws.size).toBeGreaterThan(10);
    for (const draw of draws) {
      expect(draw).toBeGreaterThanOrEqual(360);
      expect(draw).toBeLessThanOrEqual(600);
    }
    expect(retryDelaySeconds(99, () => 1)).toBeLessThanOrEqual(43_200); // SQS's visibility limit
  });
});
