/** The kube-proxy (iptables mode) rule generator: one front door for callers. */
export { generateRules, generateDualStackRules } from './generateRules';
export { computeProbability, formatFixedGo } from './probability';
export {
  servicePortChainName,
  endpointChainName,
  hashServicePort,
  formatServicePortName,
  legacyServicePortName,
  servicePortChainNameVariants,
  type ServiceChainPrefix,
} from './chainNames';
export { sortIPTablesRules, trySortIPTablesRules, checkIPTablesRuleJumps, extractChainRules, parseTestDump, ruleComment } from './sortRules';
export { defaultProxierConfig, parseKubeProxyConfiguration, applyKubeProxyConfiguration, formatMasqueradeMark } from './config';
export type { KubeProxyConfigurationSettings, ParsedKubeProxyConfiguration, ConfigurationError } from './config';
export { convertEndpointsToSlices } from './proxyState';
export { listServicePortRules, formatServicePortRules, type ServicePortRuleLine } from './serviceRules';
export { parseIPSloppy, parseCIDRSloppy, formatIP, formatCIDR, normalizeIP, joinHostPort } from './ip';
export type * from './types';
