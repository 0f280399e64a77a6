// Every request handler goes through runSafe: errors are logged and answered with a safe default,
// cancelled requests answer the default (or the LSP "request cancelled" error), the server never crashes.
import { CancellationToken, LSPErrorCodes, ResponseError } from 'vscode-languageserver';

export interface SafeLogger {
  error(message: string): void;
}

export async function runSafe<T>(
  logger: SafeLogger,
  name: string,
  defaultValue: T,
  token: CancellationToken | undefined,
  work: () => T | Promise<T>,
): Promise<T | ResponseError<void>> {
  if (token?.isCancellationRequested) return cancelled();
  try {
    const result = await work();
    if (token?.isCancellationRequested) return cancelled();
    return result;
  } catch (err) {
    logger.error(`${name} failed: ${describeError(err)}`);
    return defaultValue;
  }
}

/** For notifications: run, log and swallow any error. */
export function runSafeNotification(logger: SafeLogger, name: string, work: () => void | Promise<void>): void {
  try {
    const p = work();
    if (p) p.catch((err) => logger.error(`${name} failed: ${describeError(err)}`));
  } catch (err) {
    logger.error(`${name} failed: ${describeError(err)}`);
  }
}

function cancelled(): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, 'request cancelled');
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return err.stack ?? err.message;
  return String(err);
}
