#!/usr/bin/env bash
# Remakes the parser fixtures under test/fixtures/dumps/ and test/fixtures/conntrack/ from the REAL
# kernel: loads kube-proxy's expected ruleset (the corpus' TestOverallIPTablesRules dump, plus the
# jump rules kube-proxy installs with EnsureRule) into private network namespaces, makes a few real
# TCP connections through its DNAT rules, and captures what iptables-save, iptables -S,
# iptables -L and conntrack print. Needs root, iproute2, iptables (legacy and nft), conntrack,
# nfacct and node. Traffic stays inside the namespaces made here; they are deleted on exit.
#
#   sudo bash scripts/make-dump-fixtures.sh [path/to/shared/kube-proxy]
# KPP_FIXTURES_OUT=DIR writes DIR/dumps and DIR/conntrack instead of test/fixtures/ (the kernel
# test uses it to remake the fixtures and compare them with the committed ones).
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS="${1:-../shared/kube-proxy}"
OVERALL="$CORPUS/cases/TestOverallIPTablesRules/expected.restore"
OUT="${KPP_FIXTURES_OUT:-test/fixtures}"
DUMPS="$OUT/dumps"
CT="$OUT/conntrack"
mkdir -p "$DUMPS" "$CT"
[ -r "$OVERALL" ] || { echo "missing $OVERALL" >&2; exit 1; }

TAG="kf$(printf %x $$)$((RANDOM % 100))"   # short: veth names are at most 15 characters
NODE="$TAG-node"; CLIENT="$TAG-client"; POD="$TAG-pod"; NFT="$TAG-nft"; V6="$TAG-v6"; POD2="$TAG-pod2"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for ns in "$NODE" "$CLIENT" "$POD" "$POD2" "$NFT" "$V6"; do ip netns del "$ns" 2>/dev/null || true; done
}
trap cleanup EXIT
for ns in "$NODE" "$CLIENT" "$POD" "$POD2" "$NFT" "$V6"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
nsx() { local ns="$1"; shift; ip netns exec "$ns" "$@"; }

# The jump rules kube-proxy adds with EnsureRule (corpus README §3), so the dump is whole.
ensure_rules() {
  local ipt="$1" ns="$2"
  nsx "$ns" "$ipt" -t filter -N KUBE-EXTERNAL-SERVICES 2>/dev/null || true
  nsx "$ns" "$ipt" -t nat -I PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
  nsx "$ns" "$ipt" -t nat -I OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
  nsx "$ns" "$ipt" -t nat -I POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
  nsx "$ns" "$ipt" -t filter -I INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS
  nsx "$ns" "$ipt" -t filter -I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
  nsx "$ns" "$ipt" -t filter -I INPUT -j KUBE-FIREWALL
  nsx "$ns" "$ipt" -t filter -I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
  nsx "$ns" "$ipt" -t filter -I FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
  nsx "$ns" "$ipt" -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
  nsx "$ns" "$ipt" -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
  nsx "$ns" "$ipt" -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
  nsx "$ns" "$ipt" -t filter -I OUTPUT -j KUBE-FIREWALL
  nsx "$ns" "$ipt" -t filter -I OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
  nsx "$ns" "$ipt" -t filter -I OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
}

for ns in "$NODE" "$NFT"; do
  nsx "$ns" nfacct add ct_state_invalid_dropped_pkts >/dev/null
  nsx "$ns" nfacct add localhost_nps_accepted_pkts >/dev/null
done

# --- IPv4, legacy, with real traffic -----------------------------------------------------------
nsx "$NODE" iptables-legacy-restore < "$OVERALL"
ensure_rules iptables-legacy "$NODE"

# client (203.0.113.2) --veth-- node (192.168.0.2 / 10.180.0.254) --veth-- pods 10.180.0.1-5
ip link add "$TAG-c" type veth peer name "$TAG-nc"
ip link set "$TAG-c" netns "$CLIENT" name eth0
ip link set "$TAG-nc" netns "$NODE" name eth0
ip link add "$TAG-p" type veth peer name "$TAG-np"
ip link set "$TAG-p" netns "$POD" name eth0
ip link set "$TAG-np" netns "$NODE" name cni0
nsx "$CLIENT" ip addr add 203.0.113.2/24 dev eth0
nsx "$CLIENT" ip link set eth0 up
nsx "$CLIENT" ip route add default via 203.0.113.1
nsx "$NODE" ip addr add 203.0.113.1/24 dev eth0
nsx "$NODE" ip addr add 192.168.0.2/24 dev eth0
nsx "$NODE" ip link set eth0 up
nsx "$NODE" ip addr add 10.180.0.254/24 dev cni0
nsx "$NODE" ip link set cni0 up
nsx "$NODE" ip route add 172.30.0.0/16 dev cni0   # the Service CIDR, so the node itself can route to ClusterIPs before DNAT
nsx "$NODE" sysctl -qw net.ipv4.ip_forward=1
nsx "$NODE" sysctl -qw net.netfilter.nf_conntrack_acct=1
for i in 1 2 3 4 5; do nsx "$POD" ip addr add "10.180.0.$i/24" dev eth0; done
nsx "$POD" ip link set eth0 up
nsx "$POD" ip route add default via 10.180.0.254
# A second pod (10.180.1.7) on its own veth: pod-to-ClusterIP traffic is DNATed but not masqueraded.
ip link add "$TAG-q" type veth peer name "$TAG-nq"
ip link set "$TAG-q" netns "$POD2" name eth0
ip link set "$TAG-nq" netns "$NODE" name cni1
nsx "$POD2" ip addr add 10.180.1.7/24 dev eth0
nsx "$POD2" ip link set eth0 up
nsx "$POD2" ip route add default via 10.180.1.254
nsx "$NODE" ip addr add 10.180.1.254/24 dev cni1
nsx "$NODE" ip link set cni1 up

# A TCP server on port 80 in the pod that answers with the address it was reached on.
nsx "$POD" node -e "require('net').createServer((s) => s.end(s.localAddress + '\n')).listen(80, '0.0.0.0')" >/dev/null 2>&1 &
PIDS+=($!)
sleep 1
connect() { # ns ip port
  nsx "$1" node -e "
    const s = require('net').connect({ host: '$2', port: $3 }, () => {});
    let out = ''; s.on('data', (d) => (out += d)); s.on('end', () => { process.stdout.write(out); });
    s.on('error', (e) => { console.error(e.message); process.exit(1); }); setTimeout(() => process.exit(2), 5000).unref();"
}
# ClusterIPs from outside (masqueraded: not from 10.0.0.0/8) and from the node itself.
for ip in 172.30.0.41 172.30.0.44 172.30.0.44 172.30.0.44 172.30.0.43; do connect "$CLIENT" "$ip" 80 >/dev/null; done
connect "$NODE" 172.30.0.41 80 >/dev/null
connect "$POD2" 172.30.0.41 80 >/dev/null
connect "$POD2" 172.30.0.44 80 >/dev/null
# A UDP datagram nobody answers ([UNREPLIED]) and a ping (icmp).
nsx "$CLIENT" bash -c 'echo hi > /dev/udp/10.180.0.2/5353' || true
nsx "$CLIENT" ping -c 1 -W 1 10.180.0.3 >/dev/null || true

nsx "$NODE" iptables-legacy-save > "$DUMPS/overall-legacy.save"
nsx "$NODE" iptables-legacy-save -c > "$DUMPS/overall-legacy-counters.save"
nsx "$NODE" iptables-legacy -S > "$DUMPS/overall-filter.S.txt"
nsx "$NODE" iptables-legacy -t nat -S > "$DUMPS/overall-nat.S.txt"
nsx "$NODE" iptables-legacy -t nat -L -n -v --line-numbers > "$DUMPS/overall-nat.L.txt"
nsx "$NODE" iptables-legacy -t nat -L -n -v -x > "$DUMPS/overall-nat.Lx.txt"
nsx "$NODE" iptables-legacy -L -n -v > "$DUMPS/overall-filter.L.txt"
nsx "$NODE" conntrack -L > "$CT/overall.conntrack" 2>/dev/null
nsx "$NODE" cat /proc/net/nf_conntrack > "$CT/overall.nf_conntrack"

# --- IPv4, nft flavour -------------------------------------------------------------------------
nsx "$NFT" iptables-nft-restore < "$OVERALL"
ensure_rules iptables-nft "$NFT"
nsx "$NFT" iptables-nft-save > "$DUMPS/overall-nft.save"
nsx "$NFT" iptables-nft-save -c > "$DUMPS/overall-nft-counters.save"
# The nft tool warns about legacy tables in the same namespace: capture that too.
nsx "$NODE" iptables-nft-save > "$DUMPS/legacy-present-nft.save" 2>&1 || true

# --- IPv6 (assumed: a small hand-written kube-proxy-like ruleset; the corpus has no full IPv6 dump)
cat > "$DUMPS/.$TAG-v6.restore" <<'EOF'
*filter
:KUBE-NODEPORTS - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FIREWALL - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
-A KUBE-SERVICES -m comment --comment "ns6/svc6:p80 has no endpoints" -m tcp -p tcp -d fd00:172:30::46 --dport 80 -j REJECT
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
COMMIT
*nat
:KUBE-NODEPORTS - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]
:KUBE-SEP-SXIVWICOYRO3J4NJ - [0:0]
-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d fd00:172:30::41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL ! -d ::1/128 -j KUBE-NODEPORTS
-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d fd00:172:30::41 --dport 80 ! -s fd00:10::/64 -j KUBE-MARK-MASQ
-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> [fd00:10:180::1]:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ
-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s fd00:10:180::1/128 -j KUBE-MARK-MASQ
-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination [fd00:10:180::1]:80
COMMIT
EOF
nsx "$V6" ip6tables-legacy-restore < "$DUMPS/.$TAG-v6.restore"
ensure_rules ip6tables-legacy "$V6"
nsx "$V6" ip6tables-legacy-save > "$DUMPS/ipv6-legacy.save"
nsx "$V6" ip6tables-legacy -t nat -L -n -v > "$DUMPS/ipv6-nat.L.txt"
nsx "$V6" ip6tables-nft-restore < "$DUMPS/.$TAG-v6.restore"
ensure_rules ip6tables-nft "$V6"
nsx "$V6" ip6tables-nft-save > "$DUMPS/ipv6-nft.save" 2>&1
mv "$DUMPS/.$TAG-v6.restore" "$DUMPS/ipv6-input.restore"
echo "fixtures written to $DUMPS and $CT"
