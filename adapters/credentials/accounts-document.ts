import { ACCOUNT_ID_PATTERN } from '../../domain/order-fields';
import * as z from '../../domain/zod-mini';

/**
 * The old accounts document (the Secrets Manager secret of earlier versions; config/local-accounts.json):
 * { "accounts": { "<account_id>": { "salt": "<hex>", "secret_hash": "<hex HMAC-SHA256>" } } }.
 * Read only to import it into the accounts table (`npm run accounts -- import FILE`), hashes kept.
 */
export const accountsDocumentSchema = z.object({
  accounts: z.record(
    z.string().check(z.regex(ACCOUNT_ID_PATTERN)),
    z.object({
      salt: z.string().check(z.regex(/^[0-9a-f]{32,}$/)),
      secret_hash: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
    }),
  ),
});
export type AccountsDocument = z.infer<typeof accountsDocumentSchema>;
