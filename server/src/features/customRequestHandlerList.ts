// Every custom `kpp/...` request handler the server registers. Add yours here.
import type { CustomRequestHandler } from './customRequests';

export const customRequestHandlers: CustomRequestHandler[] = [];
