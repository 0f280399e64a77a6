// Every custom `kpp/...` request handler the server registers. Add yours here.
import type { CustomRequestHandler } from './customRequests';
import { generatedRulesRequest } from './generatedRules';
import { scenarioOptionsRequest, tracePacketRequest, traceTargetsRequest } from './tracePacket';

export const customRequestHandlers: CustomRequestHandler[] = [
  generatedRulesRequest,
  tracePacketRequest,
  traceTargetsRequest,
  scenarioOptionsRequest,
];
