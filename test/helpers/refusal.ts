/** What a call that should be refused threw: its code and message (or why it is not a TributaryError). */
import { isTributaryError } from '../../src/errors.js';

export async function refusal(call: () => unknown): Promise<{ code: string; message: string }> {
  try {
    await call();
  } catch (error) {
    if (isTributaryError(error)) return { code: error.code, message: error.message };
    return { code: `untyped ${(error as Error)?.constructor?.name}`, message: String(error) };
  }
  return { code: 'none', message: 'accepted' };
}
