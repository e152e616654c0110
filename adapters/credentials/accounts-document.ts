import * as z from 'zod';
import { ACCOUNT_ID_PATTERN } from '../../domain/order-fields';

/**
 * The accounts document, in Secrets Manager (deployed) or config/local-accounts.json (local):
 * { "accounts": { "<account_id>": { "salt": "<hex>", "secret_hash": "<hex HMAC-SHA256>" } } }.
 * It never holds a secret itself; `npm run hash-secret` makes an entry.
 */
export const accountsDocumentSchema = z.object({
  accounts: z.record(
    z.string().regex(ACCOUNT_ID_PATTERN),
    z.object({ salt: z.string().regex(/^[0-9a-f]{32,}$/), secret_hash: z.string().regex(/^[0-9a-f]{64}$/) }),
  ),
});
export type AccountsDocument = z.infer<typeof accountsDocumentSchema>;
