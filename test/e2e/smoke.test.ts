import { describe, expect, test } from '@jest/globals';

describe('local stack startup', () => {
  test('npm start is ready within 120 s', () => {
    const startupMs = Number(process.env.E2E_STARTUP_MS);
    console.log(`local stack startup: ${startupMs} ms`);
    expect(Number.isFinite(startupMs)).toBe(true);
    expect(startupMs).toBeLessThan(120_000);
  });
});
