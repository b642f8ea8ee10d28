/** What a call that should be refused threw: its code and message (or why it is not a TributaryError). */
import { isTributaryError, type TributaryError } from '../../src/errors.js';

function described(error: unknown): { code: string; message: string; error?: TributaryError } {
  if (isTributaryError(error)) return { code: error.code, message: error.message, error };
  return { code: `untyped ${(error as Error)?.constructor?.name}`, message: String(error) };
}

export async function refusal(call: () => unknown): Promise<{ code: string; message: string }> {
  try {
    await call();
  } catch (error) {
    const { code, message } = described(error);
    return { code, message };
  }
  return { code: 'none', message: 'accepted' };
}

/** A synchronous call's refusal, the error itself included. */
export function refusalSync(call: () => unknown): { code: string; message: string; error?: TributaryError } {
  try {
    call();
  } catch (error) {
    return described(error);
  }
  return { code: 'none', message: 'accepted' };
}

/** The message of a synchronous call's refusal with `code`; throws when it was accepted or refused otherwise. */
export function refusalMessage(code: string, call: () => unknown): string {
  const refused = refusalSync(call);
  if (refused.code !== code)
    throw new Error(`expected a refusal with ${code}, got ${refused.code}: ${refused.message}`);
  return refused.message;
}
