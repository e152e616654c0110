// The one place that imports zod/mini itself (the rule's reason: the locale below).
// eslint-disable-next-line @typescript-eslint/no-restricted-imports
import { config, ZodMiniISODateTime, ZodMiniNumber } from 'zod/mini';
import * as core from 'zod/v4/core';
import { en } from 'zod/locales';

/**
 * The request path's zod: `zod/mini`, whose functions a bundler can tree-shake (classic zod's methods cannot be,
 * and it was 100 KB of the ~420 KB the function parsed at init; BENCHMARKS.md). Schemas built with it are ordinary
 * zod 4 schemas: classic zod, `z.toJSONSchema` and zod-openapi accept them, so the OpenAPI document and the event
 * schema are still generated from them.
 *
 * zod/mini loads no locale; English is configured here, so the 422 bodies keep classic zod's messages word for word.
 * Every request-path schema module imports it as `import * as z from '<...>/domain/zod-mini'` (a namespace import:
 * the bundler still keeps only the functions used; classic `zod` is refused there by eslint.config.mjs), which
 * guarantees the locale is set before any schema parses.
 */
config(en());

// eslint-disable-next-line @typescript-eslint/no-restricted-imports
export * from 'zod/mini';

/**
 * `z.coerce.number()` and `z.iso.datetime()` reach their functions through namespace objects (`coerce`, `iso`),
 * which a bundler keeps whole (coerced bigint and date, ISO date, time and duration). These two are the same
 * functions, built from zod's public core API, so only what the request path uses is bundled.
 */
export const coercedNumber = /* @__NO_SIDE_EFFECTS__ */ (
  params?: string | core.$ZodNumberParams,
): ZodMiniNumber<unknown> => core._coercedNumber<ZodMiniNumber<unknown>>(ZodMiniNumber, params);
export const isoDateTime = /* @__NO_SIDE_EFFECTS__ */ (
  params?: string | core.$ZodISODateTimeParams,
): ZodMiniISODateTime => core._isoDateTime(ZodMiniISODateTime, params);
