// Custom `kpp/...` requests, one handler each. server.ts registers every handler of
// `customRequestHandlers` (customRequestHandlerList.ts) through runSafe: add a request by writing a
// handler file, declaring its method and types in protocol.ts, and adding it to that list.
import type { FeatureContext } from './featureContext';

export interface CustomRequestHandler<P = unknown, R = unknown> {
  /** `kpp/<camelCase>`, from protocol.ts. */
  readonly method: string;
  /** Answered when the handler throws (the error is logged) or the request is cancelled. */
  readonly defaultResult: R;
  handle(ctx: FeatureContext, params: P): R | Promise<R>;
}

/** Keeps the handler's own param/result types while putting it in one list. */
export function defineCustomRequest<P, R>(handler: CustomRequestHandler<P, R>): CustomRequestHandler {
  return handler as unknown as CustomRequestHandler;
}
