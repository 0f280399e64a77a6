/**
 * Draws a `PanelState` into the DOM. Every string that comes from a manifest or a dump goes in
 * through `textContent` or `setAttribute`: no `innerHTML` anywhere. The controls are built once
 * and updated in place (so typing is never interrupted); the picture is rebuilt on each render.
 */
import type { PathTrace, TraceStep, TraceBranch, SourceKind, Entry, SourceRef } from '../../server/src/core/trace/types';
import { describeBranchEnd, describeScenario, endsBranch, formatEndpoint, formatPercent } from '../../server/src/core/trace/formatMarkdown';
import { layoutTrace, type LayoutEntry, type SharedRow, type BranchRow, type StepRow, type PanelState, type ScenarioPatch } from './state';

export interface PanelHandlers {
  readonly edit: (patch: ScenarioPatch) => void;
  readonly toggleBranch: (index: number, expanded?: boolean) => void;
  readonly focus: (key: string) => void;
  readonly reveal: (source: SourceRef) => void;
  readonly copyMarkdown: () => void;
  readonly saveSvg: () => void;
  /** Arrow/Home/End pressed on the row `from`. */
  readonly navigate: (from: string, key: 'ArrowDown' | 'ArrowUp' | 'Home' | 'End') => void;
}

type Attrs = Record<string, string | undefined>;

/** `document.createElement` with attributes (set with setAttribute) and text or child nodes. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string | undefined)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) e.setAttribute(k, v);
  for (const c of children) {
    if (c === undefined) continue;
    e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return e;
}

const sourceLabels: Record<SourceKind, string> = {
  external: 'External client',
  'pod-same-node': 'Pod on the same node',
  'pod-other-node': 'Pod on another node',
  node: 'The node itself',
  'pod-self': 'Pod calling its own Service',
};
const viaLabels: Record<Entry, string> = {
  loadbalancer: 'LoadBalancer IP',
  nodeport: 'NodePort on a node',
  clusterip: 'ClusterIP',
  externalip: 'External IP',
};
const fieldNames = { src: 'source', sport: 'source port', dst: 'destination', dport: 'destination port' } as const;

interface Controls {
  readonly form: HTMLFormElement;
  readonly target: HTMLElement;
  readonly port: HTMLSelectElement;
  readonly portRow: HTMLElement;
  readonly source: HTMLSelectElement;
  readonly sourceAddress: HTMLInputElement;
  readonly via: HTMLSelectElement;
  readonly node: HTMLInputElement;
  readonly nodeList: HTMLDataListElement;
  readonly etp: HTMLSelectElement;
  readonly itp: HTMLSelectElement;
  readonly returning: HTMLInputElement;
  readonly rules: HTMLSelectElement;
  readonly host: HTMLInputElement;
  readonly hostList: HTMLDataListElement;
  readonly path: HTMLInputElement;
  readonly ingressRows: readonly HTMLElement[];
  readonly copy: HTMLButtonElement;
  readonly save: HTMLButtonElement;
}

export interface Panel {
  render(state: PanelState): void;
}

function option(value: string, label: string): HTMLOptionElement {
  return el('option', { value }, label);
}

function setOptions(select: HTMLSelectElement, options: readonly (readonly [string, string])[], value: string): void {
  const same = select.options.length === options.length && options.every(([v, l], i) => select.options[i].value === v && select.options[i].textContent === l);
  if (!same) select.replaceChildren(...options.map(([v, l]) => option(v, l)));
  select.value = value;
}

function field(label: string, control: HTMLElement, id: string, extra?: Node): HTMLElement {
  control.id = id;
  return el('div', { class: 'field' }, el('label', { for: id }, label), control, extra);
}

function buildControls(handlers: PanelHandlers): Controls {
  const target = el('p', { class: 'target', id: 'kpp-target' });
  const port = el('select');
  const source = el('select');
  for (const [k, l] of Object.entries(sourceLabels)) source.appendChild(option(k, l));
  const sourceAddress = el('input', { type: 'text', maxlength: '253', spellcheck: 'false', placeholder: 'address, pod or node' });
  const via = el('select');
  for (const [k, l] of Object.entries(viaLabels)) via.appendChild(option(k, l));
  const nodeList = el('datalist', { id: 'kpp-nodes' });
  const node = el('input', { type: 'text', maxlength: '253', spellcheck: 'false', list: 'kpp-nodes' });
  const policy = () => {
    const s = el('select');
    s.append(option('', 'as declared'), option('Cluster', 'Cluster'), option('Local', 'Local'));
    return s;
  };
  const etp = policy();
  const itp = policy();
  const returning = el('input', { type: 'checkbox' });
  const rules = el('select');
  const hostList = el('datalist', { id: 'kpp-hosts' });
  const host = el('input', { type: 'text', maxlength: '253', spellcheck: 'false', list: 'kpp-hosts', placeholder: 'any host' });
  const path = el('input', { type: 'text', maxlength: '4096', spellcheck: 'false', placeholder: '/' });
  const copy = el('button', { type: 'button', id: 'kpp-copy' }, 'Copy as Markdown');
  const save = el('button', { type: 'button', id: 'kpp-save' }, 'Save as SVG');

  const portRow = field('Port', port, 'kpp-port');
  const hostRow = field('Host', host, 'kpp-host', hostList);
  const pathRow = field('Path', path, 'kpp-path');
  const form = el('form', { class: 'controls', 'aria-label': 'Scenario' },
    target,
    el('fieldset', {},
      el('legend', {}, 'Packet'),
      portRow,
      field('Source', source, 'kpp-source'),
      field('Source address', sourceAddress, 'kpp-source-address'),
      field('Way in', via, 'kpp-via'),
      field('Receiving node', node, 'kpp-node', nodeList),
      hostRow,
      pathRow,
    ),
    el('fieldset', {},
      el('legend', {}, 'What if'),
      field('externalTrafficPolicy', etp, 'kpp-etp'),
      field('internalTrafficPolicy', itp, 'kpp-itp'),
      el('div', { class: 'field check' }, returning, el('label', { for: 'kpp-returning' }, 'Returning session-affinity client')),
      field('Rules', rules, 'kpp-rules'),
    ),
    el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Export' }, copy, save),
  );
  returning.id = 'kpp-returning';
  form.addEventListener('submit', (e) => e.preventDefault());

  const text = (v: string) => (v.trim() === '' ? undefined : v.trim());
  // An address typed for one kind of source (a client IP) means nothing for another (a pod name).
  source.addEventListener('change', () => handlers.edit({ source: source.value as SourceKind, sourceAddress: undefined }));
  sourceAddress.addEventListener('change', () => handlers.edit({ sourceAddress: text(sourceAddress.value) }));
  via.addEventListener('change', () => handlers.edit({ via: via.value as Entry }));
  node.addEventListener('change', () => handlers.edit({ node: node.value.trim() }));
  etp.addEventListener('change', () => handlers.edit({ externalTrafficPolicy: (etp.value || undefined) as 'Cluster' | 'Local' | undefined }));
  itp.addEventListener('change', () => handlers.edit({ internalTrafficPolicy: (itp.value || undefined) as 'Cluster' | 'Local' | undefined }));
  returning.addEventListener('change', () => handlers.edit({ returningClient: returning.checked ? true : undefined }));
  rules.addEventListener('change', () => handlers.edit({ rules: rules.value === 'generated' ? 'generated' : { dumpUri: rules.value } }));
  host.addEventListener('change', () => handlers.edit({ host: host.value.trim() }));
  path.addEventListener('change', () => handlers.edit({ path: path.value.trim() || undefined }));
  copy.addEventListener('click', () => handlers.copyMarkdown());
  save.addEventListener('click', () => handlers.saveSvg());
  return { form, target, port, portRow, source, sourceAddress, via, node, nodeList, etp, itp, returning, rules, host, hostList, path, ingressRows: [hostRow, pathRow], copy, save };
}

function updateControls(c: Controls, state: PanelState, handlers: PanelHandlers): void {
  const s = state.scenario;
  c.form.hidden = s === undefined;
  if (!s) return;
  c.target.textContent = `${s.target.kind} ${s.target.namespace}/${s.target.name}`;
  const isIngress = s.target.kind === 'Ingress';
  const ports = state.options.ports;
  c.portRow.hidden = isIngress || ports.length === 0;
  const portValue = s.target.port ?? '';
  setOptions(c.port, [['', 'all ports'], ...[...new Set([...ports, ...(portValue ? [portValue] : [])])].map((p) => [p, p] as const)], portValue);
  c.port.onchange = () => handlers.edit({ target: { ...s.target, port: c.port.value || undefined } });
  c.source.value = s.source;
  if (document.activeElement !== c.sourceAddress) c.sourceAddress.value = s.sourceAddress ?? '';
  c.via.value = s.via;
  if (document.activeElement !== c.node) c.node.value = s.node;
  c.nodeList.replaceChildren(...state.options.nodes.map((n) => el('option', { value: n })));
  c.etp.value = s.externalTrafficPolicy ?? '';
  c.itp.value = s.internalTrafficPolicy ?? '';
  c.returning.checked = s.returningClient === true;
  const dumps = state.options.dumps.map((d) => [d.uri, `dump: ${d.label}${d.node ? ` (${d.node})` : ''}`] as const);
  const current = s.rules === 'generated' ? 'generated' : s.rules.dumpUri;
  if (current !== 'generated' && !dumps.some(([u]) => u === current)) dumps.push([current, `dump: ${current}`]);
  setOptions(c.rules, [['generated', 'generated from the manifests'], ...dumps], current);
  for (const row of c.ingressRows) row.hidden = !isIngress;
  if (document.activeElement !== c.host) c.host.value = s.host ?? '';
  if (document.activeElement !== c.path) c.path.value = s.path ?? '';
  c.hostList.replaceChildren(...state.options.hosts.map((h) => el('option', { value: h })));
  c.copy.disabled = state.trace === undefined;
  c.save.disabled = state.trace === undefined;
}

/** The packet line: every rewritten field highlighted and announced. */
function packetLine(step: TraceStep): HTMLElement {
  const p = step.packet;
  const host = (ip: string) => (ip.includes(':') ? `[${ip}]` : ip);
  const part = (name: keyof typeof fieldNames, text: string) => {
    if (!step.rewrites.includes(name)) return el('span', { class: `f-${name}` }, text);
    return el('mark', { class: `f-${name} rw`, title: `${fieldNames[name]} rewritten` }, el('span', { class: 'sr-only' }, `${fieldNames[name]} rewritten to `), text);
  };
  return el('div', { class: 'packet' },
    part('src', host(p.src)), ':', part('sport', String(p.sport)),
    el('span', { class: 'arrow', 'aria-hidden': 'true' }, ' → '), el('span', { class: 'sr-only' }, ' to '),
    part('dst', host(p.dst)), ':', part('dport', String(p.dport)),
    ' ', el('span', { class: 'proto' }, p.proto),
  );
}

function stepLabel(step: TraceStep, n: number): string {
  const p = step.packet;
  const parts = [`Hop ${n}: ${step.kind} ${step.title}.`, `Packet ${formatEndpoint(p.src, p.sport)} to ${formatEndpoint(p.dst, p.dport)} ${p.proto}.`];
  if (step.rewrites.length > 0) parts.push(`Rewrites ${step.rewrites.map((r) => `${fieldNames[r]} to ${r === 'src' ? p.src : r === 'sport' ? p.sport : r === 'dst' ? p.dst : p.dport}`).join(', ')}.`);
  if (step.mark) parts.push(`Mark ${step.mark}${step.kind === 'mark-masq' ? ', marked for masquerade' : ''}.`);
  if (step.probability !== undefined && step.probability < 1) parts.push(`${formatPercent(step.probability)} of connections.`);
  parts.push(step.explanation);
  if (step.source) parts.push('Press Enter to show its source.');
  return parts.join(' ');
}

function stepRow(entry: SharedRow | StepRow, n: number, role: 'listitem' | 'treeitem', focusKey: string | undefined, handlers: PanelHandlers): HTMLElement {
  const s = entry.step;
  const classes = ['hop', `k-${s.kind}`];
  if (s.rewrites.length > 0) classes.push('rewrites');
  if (entry.kind === 'reply') classes.push('reply');
  const head = el('div', { class: 'hop-head' },
    el('span', { class: 'num', 'aria-hidden': 'true' }, String(n)),
    el('span', { class: 'kind badge' }, s.kind),
    el('span', { class: 'title' }, s.title),
    s.table || s.chain ? el('span', { class: 'where' }, [s.table, s.chain].filter((x) => x && x !== s.title).join(' ')) : undefined,
    s.probability !== undefined && s.probability < 1 ? el('span', { class: 'share badge' }, formatPercent(s.probability)) : undefined,
    s.mark ? el('span', { class: s.kind === 'mark-masq' ? 'mark masq badge' : 'mark badge' }, `mark ${s.mark}`) : undefined,
  );
  const li = el('li', {
    class: classes.join(' '),
    role,
    tabindex: entry.key === focusKey ? '0' : '-1',
    'data-key': entry.key,
    'aria-label': stepLabel(s, n),
    ...(role === 'treeitem' ? { 'aria-level': '2' } : {}),
  },
  head,
  packetLine(s),
  s.rule ? el('code', { class: 'rule' }, s.rule) : undefined,
  el('p', { class: 'explanation' }, s.explanation),
  s.source ? el('span', { class: 'reveal-hint', 'aria-hidden': 'true' }, 'Enter or click: show source') : undefined,
  );
  if (s.source) {
    const source = s.source;
    li.classList.add('has-source');
    li.addEventListener('click', (e) => {
      e.stopPropagation();
      handlers.focus(entry.key);
      handlers.reveal(source);
    });
  } else {
    li.addEventListener('click', (e) => {
      e.stopPropagation();
      handlers.focus(entry.key);
    });
  }
  return li;
}

function branchLabel(b: TraceBranch, i: number, count: number): string {
  const parts = [`Path ${i + 1} of ${count}: ${formatPercent(b.probability)} of connections, ${describeBranchEnd(b)}.`];
  parts.push(b.masqueraded ? 'Masqueraded.' : 'Not masqueraded.');
  parts.push(`${b.rulesEvaluated} rules evaluated.`);
  return parts.join(' ');
}

function branchRow(entry: BranchRow, count: number, rows: readonly LayoutEntry[], focusKey: string | undefined, handlers: PanelHandlers): HTMLElement {
  const b = entry.branch;
  const end = endsBranch(b);
  const bar = el('span', { class: 'share-bar', 'aria-hidden': 'true' });
  const fill = el('span', { class: 'share-fill' });
  fill.style.width = `${Math.max(0, Math.min(1, b.probability)) * 100}%`; // CSSOM, allowed by the CSP (no style attribute)
  bar.appendChild(fill);
  const head = el('div', { class: 'branch-head' },
    el('span', { class: 'twisty', 'aria-hidden': 'true' }, entry.expanded ? '▾' : '▸'),
    el('span', { class: 'share badge' }, formatPercent(b.probability)),
    bar,
    end ? el('span', { class: 'end verdict' }, b.verdict.toUpperCase()) : undefined,
    // A drop's reason has its own line below; the head says where it happened.
    el('span', { class: 'endpoint' }, end ? `at ${b.steps.at(-1)?.title ?? 'the start'}` : describeBranchEnd(b)),
  );
  const facts = el('div', { class: 'facts' },
    el('span', { class: b.masqueraded ? 'badge masq' : 'badge' }, b.masqueraded ? 'masqueraded' : 'client address kept'),
    el('span', { class: 'badge' }, `${b.rulesEvaluated} rules evaluated`),
    b.endpoint?.assumed ? el('span', { class: 'badge assumed' }, 'endpoint assumed') : undefined,
  );
  const li = el('li', {
    class: end ? 'branch dropped' : 'branch',
    role: 'treeitem',
    'aria-level': '1',
    'aria-expanded': entry.expanded ? 'true' : 'false',
    tabindex: entry.key === focusKey ? '0' : '-1',
    'data-key': entry.key,
    'aria-label': branchLabel(b, entry.index, count),
  }, head, facts);
  if (end && b.reason) li.appendChild(el('p', { class: 'reason' }, el('strong', {}, `Why it is ${b.verdict}: `), b.reason));
  head.addEventListener('click', (e) => {
    e.stopPropagation();
    handlers.focus(entry.key);
    handlers.toggleBranch(entry.index);
  });
  if (entry.expanded) {
    const own = rows.filter((r): r is StepRow => r.kind === 'step' && r.branchIndex === entry.index);
    li.appendChild(el('ul', { role: 'group', class: 'hops', 'aria-label': `Hops of path ${entry.index + 1}` }, ...own.map((r) => stepRow(r, r.index + 1, 'treeitem', focusKey, handlers))));
    if (b.conntrack) {
      li.appendChild(el('div', { class: 'conntrack' }, el('span', { class: 'label' }, 'conntrack -L'), el('pre', {}, el('code', {}, b.conntrack))));
    }
    const reply = rows.filter((r): r is StepRow => r.kind === 'reply' && r.branchIndex === entry.index);
    if (reply.length > 0) {
      li.appendChild(el('p', { class: 'reply-heading', id: `kpp-reply-${entry.index}` }, 'Reply path (conntrack undoes the NAT)'));
      li.appendChild(el('ul', { role: 'group', class: 'hops reply', 'aria-labelledby': `kpp-reply-${entry.index}` }, ...reply.map((r) => stepRow(r, r.index + 1, 'treeitem', focusKey, handlers))));
    }
    if (b.unevaluated.length > 0) {
      li.appendChild(el('div', { class: 'unevaluated' }, el('p', {}, 'Rules that could not be decided:'), el('ul', {}, ...b.unevaluated.map((u) => el('li', {}, el('code', {}, u))))));
    }
  }
  return li;
}

function ingressSection(trace: PathTrace): HTMLElement | undefined {
  const ing = trace.ingress;
  if (!ing) return undefined;
  const table = el('table', { class: 'candidates' },
    el('caption', {}, `Ingress rules for host ${ing.host || '(any)'} and path ${ing.path || '/'}`),
    el('thead', {}, el('tr', {}, ...['', 'Ingress', 'Host', 'Path', 'pathType', 'Backend', 'Matches', 'Why'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...ing.candidates.map((c) => el('tr', { class: c.winner ? 'winner' : c.matched ? 'matched' : 'nomatch', ...(c.winner ? { 'aria-current': 'true' } : {}) },
      el('td', {}, c.winner ? '★ winner' : ''),
      el('td', {}, c.ingress), el('td', {}, c.host || '*'), el('td', {}, el('code', {}, c.path)), el('td', {}, c.pathType),
      el('td', {}, c.backend), el('td', {}, c.matched ? 'yes' : 'no'), el('td', {}, c.why)))),
  );
  return el('section', { class: 'ingress', 'aria-label': 'Ingress decision' },
    el('h2', {}, 'Ingress'),
    table,
    el('p', { class: 'upstream' }, ing.serviceUpstream
      ? 'service-upstream is on: the controller sends to the Service\'s ClusterIP, through kube-proxy.'
      : 'The controller sends straight to the backend pods\' endpoints, without kube-proxy: the backend sees the controller pod\'s IP as the source (the client is in X-Forwarded-For).'),
  );
}

function picture(state: PanelState, trace: PathTrace, handlers: PanelHandlers): HTMLElement {
  const rows = layoutTrace(trace, state.collapsed);
  const focusKey = state.focus !== undefined && rows.some((r) => r.key === state.focus) ? state.focus : rows[0]?.key;
  const section = el('section', { class: 'picture', 'aria-label': 'Packet path' });
  const sharedRows = rows.filter((r): r is SharedRow => r.kind === 'shared');
  if (sharedRows.length > 0) {
    section.appendChild(el('h2', { id: 'kpp-shared' }, 'Every connection'));
    section.appendChild(el('ol', { role: 'list', class: 'hops shared', 'aria-labelledby': 'kpp-shared' }, ...sharedRows.map((r) => stepRow(r, r.index + 1, 'listitem', focusKey, handlers))));
  }
  const branchHeading = trace.branches.length > 1 ? `Then one of ${trace.branches.length} paths` : 'Path';
  section.appendChild(el('h2', { id: 'kpp-branches' }, branchHeading));
  section.appendChild(el('ul', { role: 'tree', class: 'branches', 'aria-labelledby': 'kpp-branches' },
    ...rows.filter((r): r is BranchRow => r.kind === 'branch').map((r) => branchRow(r, trace.branches.length, rows, focusKey, handlers))));

  section.addEventListener('keydown', (e) => {
    const target = (e.target as HTMLElement).closest<HTMLElement>('[data-key]');
    if (!target) return;
    const key = target.dataset.key ?? '';
    const row = rows.find((r) => r.key === key);
    if (!row) return;
    switch (e.key) {
      case 'ArrowDown': case 'ArrowUp': case 'Home': case 'End':
        e.preventDefault();
        handlers.navigate(key, e.key);
        return;
      case 'ArrowRight':
        if (row.kind === 'branch') {
          e.preventDefault();
          if (!row.expanded) handlers.toggleBranch(row.index, true);
          else handlers.navigate(key, 'ArrowDown');
        }
        return;
      case 'ArrowLeft':
        e.preventDefault();
        if (row.kind === 'branch') handlers.toggleBranch(row.index, false);
        else if (row.kind === 'step' || row.kind === 'reply') handlers.focus(`b${row.branchIndex}`);
        return;
      case 'Enter': case ' ':
        e.preventDefault();
        if (row.kind === 'branch') handlers.toggleBranch(row.index);
        else if (row.step.source) handlers.reveal(row.step.source);
        return;
    }
  });
  return section;
}

/** Creates the panel's DOM under `root` and returns its renderer. */
export function createPanel(root: HTMLElement, handlers: PanelHandlers): Panel {
  const live = el('div', { class: 'sr-only', role: 'status', 'aria-live': 'polite', id: 'kpp-live' });
  const heading = el('h1', { id: 'kpp-title' }, 'Packet path');
  const scenarioLine = el('p', { class: 'scenario', id: 'kpp-scenario' });
  const status = el('p', { class: 'status', id: 'kpp-status' });
  const controls = buildControls(handlers);
  const body = el('div', { class: 'body', id: 'kpp-body' });
  const main = el('main', { 'aria-labelledby': 'kpp-title' }, heading, scenarioLine, controls.form, status, body);
  root.replaceChildren(live, main);

  return {
    render(state: PanelState) {
      const hadFocusInPicture = document.activeElement instanceof HTMLElement && document.activeElement.closest('.picture') !== null;
      heading.textContent = state.trace ? state.trace.title : 'Packet path';
      scenarioLine.textContent = state.scenario ? describeScenario(state.scenario) + '.' : 'Pick a Service or an Ingress to trace (command: Trace Packet Path…).';
      updateControls(controls, state, handlers);
      status.className = `status ${state.status}`;
      status.textContent = state.status === 'loading' ? 'Tracing…' : state.status === 'error' ? `Trace failed: ${state.error ?? ''}` : '';
      main.setAttribute('aria-busy', state.status === 'loading' ? 'true' : 'false');
      if (live.textContent !== state.announcement) live.textContent = state.announcement;

      const parts: Node[] = [];
      const trace = state.trace;
      if (trace) {
        if (trace.errors.length > 0) {
          parts.push(el('section', { class: 'errors', 'aria-label': 'Problems' }, el('h2', {}, 'Problems'), el('ul', {}, ...trace.errors.map((e) => el('li', {}, e)))));
        }
        const ing = ingressSection(trace);
        if (ing) parts.push(ing);
        if (trace.branches.length > 0) parts.push(picture(state, trace, handlers));
        if (trace.assumptions.length > 0) {
          parts.push(el('section', { class: 'assumptions', 'aria-label': 'Assumptions' },
            el('h2', {}, 'Assumptions'),
            el('p', {}, 'Values this trace rests on that were synthesized (assumed):'),
            el('ul', {}, ...trace.assumptions.map((a) => el('li', {}, el('span', { class: 'badge assumed' }, 'assumed'), ' ', a)))));
        }
      }
      body.replaceChildren(...parts);
      if (hadFocusInPicture && state.focus) focusRow(state.focus);
    },
  };
}

/** Moves DOM focus to the row with this key (roving tabindex). */
export function focusRow(key: string): void {
  const target = document.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`);
  if (!target) return;
  document.querySelectorAll<HTMLElement>('[data-key]').forEach((e) => e.setAttribute('tabindex', e === target ? '0' : '-1'));
  target.focus();
}
