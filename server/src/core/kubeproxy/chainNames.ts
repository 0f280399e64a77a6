/**
 * kube-proxy's chain names: a prefix plus the first 16 characters of base32(sha256(...)).
 *
 * - Service chains (KUBE-SVC-, KUBE-SVL-, KUBE-EXT-, KUBE-FW-) hash `svcPortName + protocol`.
 * - Endpoint chains (KUBE-SEP-) hash `svcPortName + protocol + "ip:port"`.
 *
 * `svcPortName` is `namespace/name:portName`, or `namespace/name` when the port has no name.
 * Kubernetes releases before 1.6 printed an unnamed port as `namespace/name:` (with the colon),
 * so chains in old dumps hash that form instead; `legacyServicePortName` builds it so a dump
 * reader can accept both.
 */
import { sha256Base32Prefix16Of } from './hash16';

export type ServiceChainPrefix = 'KUBE-SVC-' | 'KUBE-SVL-' | 'KUBE-EXT-' | 'KUBE-FW-';

/** `protocol.toLowerCase()`, without a new string for the three protocols kube-proxy knows. */
export function lowerProtocol(protocol: string): string {
  switch (protocol) {
    case 'TCP':
      return 'tcp';
    case 'UDP':
      return 'udp';
    case 'SCTP':
      return 'sctp';
    default:
      return protocol.toLowerCase();
  }
}

/** The 16-character hash kube-proxy puts after the prefix (`portProtoHash`). */
export function hashServicePort(svcPortName: string, protocol: string): string {
  return sha256Base32Prefix16Of(svcPortName, lowerProtocol(protocol));
}

/** `ns/name:port`, or `ns/name` for an unnamed port (ServicePortName.String()). */
export function formatServicePortName(namespace: string, name: string, portName: string): string {
  return portName === '' ? `${namespace}/${name}` : `${namespace}/${name}:${portName}`;
}

/** The pre-1.6 form: always `ns/name:port`, so an unnamed port gives `ns/name:`. */
export function legacyServicePortName(namespace: string, name: string, portName: string): string {
  return `${namespace}/${name}:${portName}`;
}

/** e.g. servicePortChainName('KUBE-SVC-', 'ns1/svc1:p80', 'TCP') = 'KUBE-SVC-XPGD46QRK7WJZT7O'. */
export function servicePortChainName(prefix: ServiceChainPrefix, svcPortName: string, protocol: string): string {
  return prefix + hashServicePort(svcPortName, protocol);
}

/** `endpoint` is the endpoint string kube-proxy uses: `ip:port`, or `[ip]:port` for IPv6. */
export function endpointChainName(svcPortName: string, protocol: string, endpoint: string): string {
  return 'KUBE-SEP-' + sha256Base32Prefix16Of(svcPortName, lowerProtocol(protocol), endpoint);
}

/** Both hash inputs a dump may carry for one service port: the current one first, then the pre-1.6 one (only differs for unnamed ports). */
export function servicePortChainNameVariants(prefix: ServiceChainPrefix, namespace: string, name: string, portName: string, protocol: string): readonly string[] {
  const current = servicePortChainName(prefix, formatServicePortName(namespace, name, portName), protocol);
  if (portName !== '') return [current];
  return [current, servicePortChainName(prefix, legacyServicePortName(namespace, name, portName), protocol)];
}
