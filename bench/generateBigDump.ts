import { createHash } from 'node:crypto';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function chainHash(input: string): string {
  const digest = createHash('sha256').update(input).digest();
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 16) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= 16) break;
  }
  return out;
}

/**
 * A deterministic kube-proxy-like iptables-restore text: every Service has a ClusterIP, three
 * endpoints behind statistic rules, hairpin masquerade and DNAT rules; every fourth also has a
 * NodePort with an EXT chain. Synthesized data ("assumed"), not taken from a cluster.
 */
export function generateBigDump(services: number): string {
  const filter: string[] = ['*filter', ':KUBE-NODEPORTS - [0:0]', ':KUBE-SERVICES - [0:0]', ':KUBE-EXTERNAL-SERVICES - [0:0]', ':KUBE-FORWARD - [0:0]',
    '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT', 'COMMIT'];
  const decls: string[] = [':KUBE-SERVICES - [0:0]', ':KUBE-NODEPORTS - [0:0]', ':KUBE-POSTROUTING - [0:0]', ':KUBE-MARK-MASQ - [0:0]'];
  const svcRules: string[] = [];
  const nodePorts: string[] = [];
  const chainRules: string[] = [
    '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE',
    '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
  ];
  for (let i = 0; i < services; i++) {
    const ns = `ns${i % 50}`;
    const name = `svc${i}`;
    const port = 'http';
    const spn = `${ns}/${name}:${port}`;
    const svcHash = chainHash(spn + 'tcp');
    const vip = `172.${16 + ((i >> 16) & 15)}.${(i >> 8) & 255}.${i & 255}`;
    const svc = `KUBE-SVC-${svcHash}`;
    decls.push(`:${svc} - [0:0]`);
    svcRules.push(`-A KUBE-SERVICES -m comment --comment "${spn} cluster IP" -m tcp -p tcp -d ${vip} --dport 80 -j ${svc}`);
    chainRules.push(`-A ${svc} -m comment --comment "${spn} cluster IP" -m tcp -p tcp -d ${vip} --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ`);
    // As kube-proxy writes them: the Service chain's rules, then each endpoint chain's rules.
    const eps = 3;
    const sepRules: string[] = [];
    for (let e = 0; e < eps; e++) {
      const ip = `10.${(i >> 8) & 255}.${i & 255}.${e + 1}`;
      const sep = `KUBE-SEP-${chainHash(spn + 'tcp' + ip + ':8080')}`;
      decls.push(`:${sep} - [0:0]`);
      const prob = eps - e > 1 ? ` -m statistic --mode random --probability ${(1 / (eps - e)).toFixed(10)}` : '';
      chainRules.push(`-A ${svc} -m comment --comment "${spn} -> ${ip}:8080"${prob} -j ${sep}`);
      sepRules.push(`-A ${sep} -m comment --comment ${spn} -s ${ip} -j KUBE-MARK-MASQ`);
      sepRules.push(`-A ${sep} -m comment --comment ${spn} -m tcp -p tcp -j DNAT --to-destination ${ip}:8080`);
    }
    chainRules.push(...sepRules);
    if (i % 4 === 0) {
      const ext = `KUBE-EXT-${svcHash}`;
      decls.push(`:${ext} - [0:0]`);
      nodePorts.push(`-A KUBE-NODEPORTS -m comment --comment ${spn} -m tcp -p tcp --dport ${30000 + (i % 2768)} -j ${ext}`);
      chainRules.push(`-A ${ext} -m comment --comment "masquerade traffic for ${spn} external destinations" -j KUBE-MARK-MASQ`);
      chainRules.push(`-A ${ext} -j ${svc}`);
    }
  }
  svcRules.push('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS');
  return [...filter, '*nat', ...decls, ...nodePorts, ...svcRules, ...chainRules, 'COMMIT', ''].join('\n');
}
