/**
 * The trace panel's state and its pure reducer. The webview keeps one `PanelState`, persists it
 * with `vscode.setState` (so a reloaded window draws the last trace at once), and re-renders it
 * after every action. No DOM, no `vscode` here.
 */
import type { PathTrace, TraceScenario, TraceBranch, TraceStep } from '../../server/src/core/trace/types';
import { endsBranch } from '../../server/src/core/trace/formatMarkdown';
import { emptyScenarioOptions, validateScenario, type ScenarioOptions, type ToWebviewMessage } from './messages';

export type PanelStatus = 'empty' | 'loading' | 'ready' | 'error';

export interface PanelState {
  readonly status: PanelStatus;
  readonly scenario?: TraceScenario;
  readonly trace?: PathTrace;
  readonly options: ScenarioOptions;
  readonly error?: string;
  /** Indexes of branches the user folded away. */
  readonly collapsed: readonly number[];
  /** The key (see `layoutTrace`) of the hop or branch that holds the roving focus. */
  readonly focus?: string;
  /** Text for the live region: what just changed, in words. */
  readonly announcement: string;
}

export const initialState: PanelState = { status: 'empty', options: emptyScenarioOptions, collapsed: [], announcement: '' };

/** Scenario fields the controls edit; `undefined` removes an optional field (e.g. "as declared"). */
export type ScenarioPatch = { readonly [K in keyof TraceScenario]?: TraceScenario[K] | undefined };

export type PanelAction =
  | { readonly type: 'received'; readonly message: ToWebviewMessage }
  | { readonly type: 'editScenario'; readonly patch: ScenarioPatch }
  | { readonly type: 'toggleBranch'; readonly index: number; readonly expanded?: boolean }
  | { readonly type: 'focus'; readonly key: string }
  | { readonly type: 'restore'; readonly saved: unknown };

/** Applies a patch to a scenario, dropping fields set to undefined. */
export function patchScenario(scenario: TraceScenario, patch: ScenarioPatch): TraceScenario {
  const merged: Record<string, unknown> = { ...scenario, ...patch };
  for (const k of Object.keys(merged)) if (merged[k] === undefined) delete merged[k];
  return merged as unknown as TraceScenario;
}

function percent(p: number): string {
  return (Math.round(p * 1000) / 10).toFixed(1) + '%';
}

/** One sentence for the live region when a trace arrives. */
export function describeTrace(trace: PathTrace): string {
  if (trace.errors.length > 0 && trace.branches.length === 0) return `${trace.title}: no trace. ${trace.errors[0]}`;
  const ends = trace.branches.map((b) => {
    if (endsBranch(b)) return `${b.verdict} (${percent(b.probability)})`;
    const to = b.endpoint ? (b.endpoint.pod ?? `${b.endpoint.ip}:${b.endpoint.port}`) : b.verdict;
    return `${to} (${percent(b.probability)})`;
  });
  const n = trace.branches.length;
  return `${trace.title}: ${n} ${n === 1 ? 'path' : 'paths'}: ${ends.join(', ')}.`;
}

export function panelReducer(state: PanelState, action: PanelAction): PanelState {
  switch (action.type) {
    case 'received': {
      const m = action.message;
      switch (m.type) {
        case 'trace': {
          const sameTarget = state.trace !== undefined && sameTargetOf(state.trace.scenario, m.trace.scenario);
          const keys = layoutTrace(m.trace, sameTarget ? state.collapsed : []).map((e) => e.key);
          const focus = state.focus !== undefined && keys.includes(state.focus) ? state.focus : keys[0];
          return {
            ...state,
            status: 'ready',
            scenario: m.trace.scenario,
            trace: m.trace,
            options: m.options,
            error: undefined,
            collapsed: sameTarget ? state.collapsed.filter((i) => i < m.trace.branches.length) : [],
            focus,
            announcement: describeTrace(m.trace),
          };
        }
        case 'loading':
          return { ...state, status: 'loading', scenario: m.scenario, error: undefined, announcement: 'Tracing…' };
        case 'error':
          return { ...state, status: 'error', scenario: m.scenario, error: m.message, announcement: `Trace failed: ${m.message}` };
        case 'notice':
          return { ...state, announcement: m.message };
      }
      return state;
    }
    case 'editScenario': {
      if (!state.scenario) return state;
      const next = patchScenario(state.scenario, action.patch);
      if (sameScenario(next, state.scenario)) return state;
      return { ...state, scenario: next, status: 'loading', announcement: 'Tracing…' };
    }
    case 'toggleBranch': {
      const isCollapsed = state.collapsed.includes(action.index);
      const expand = action.expanded ?? isCollapsed;
      if (expand === !isCollapsed) return state;
      const collapsed = expand ? state.collapsed.filter((i) => i !== action.index) : [...state.collapsed, action.index].sort((a, b) => a - b);
      // Focus on a hop that just got folded away moves to its branch.
      const focus = !expand && state.focus?.startsWith(`b${action.index}.`) ? `b${action.index}` : state.focus;
      return { ...state, collapsed, focus };
    }
    case 'focus':
      return state.focus === action.key ? state : { ...state, focus: action.key };
    case 'restore':
      return restoreState(action.saved);
  }
}

function sameTargetOf(a: TraceScenario, b: TraceScenario): boolean {
  return a.target.kind === b.target.kind && a.target.namespace === b.target.namespace && a.target.name === b.target.name;
}

function sameScenario(a: TraceScenario, b: TraceScenario): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  }
  return v;
}

/** What survives a window reload (everything but transient status). */
export function persistedState(state: PanelState): unknown {
  return { v: 1, scenario: state.scenario, trace: state.trace, options: state.options, collapsed: state.collapsed, focus: state.focus };
}

/**
 * Rebuilds a state from what `getState()` returned. Saved state is data from an earlier session:
 * anything that does not look right is dropped rather than trusted.
 */
export function restoreState(saved: unknown): PanelState {
  if (typeof saved !== 'object' || saved === null) return initialState;
  const s = saved as Record<string, unknown>;
  if (s.v !== 1) return initialState;
  const scenario = validateScenario(s.scenario);
  const trace = looksLikeTrace(s.trace) ? (s.trace as PathTrace) : undefined;
  const options = looksLikeOptions(s.options) ? (s.options as ScenarioOptions) : emptyScenarioOptions;
  const collapsed = Array.isArray(s.collapsed) ? s.collapsed.filter((i): i is number => Number.isInteger(i) && i >= 0) : [];
  const focus = typeof s.focus === 'string' ? s.focus : undefined;
  return {
    status: trace ? 'ready' : 'empty',
    ...(scenario ? { scenario } : {}),
    ...(trace ? { trace } : {}),
    options,
    collapsed,
    ...(focus !== undefined ? { focus } : {}),
    announcement: '',
  };
}

/** A cheap shape check of a PathTrace (saved state, or a message), enough to draw it safely. */
export function looksLikeTrace(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const t = v as Record<string, unknown>;
  return typeof t.title === 'string' && Array.isArray(t.branches) && Array.isArray(t.assumptions) && Array.isArray(t.errors)
    && validateScenario(t.scenario) !== undefined
    && t.branches.every((b) => typeof b === 'object' && b !== null && Array.isArray((b as TraceBranch).steps) && Array.isArray((b as TraceBranch).reply));
}

function looksLikeOptions(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return Array.isArray(o.nodes) && Array.isArray(o.dumps) && Array.isArray(o.ports) && Array.isArray(o.hosts);
}

/** One focusable row of the picture, in the order the keyboard walks them. */
export interface SharedRow { readonly key: string; readonly kind: 'shared'; readonly step: TraceStep; readonly index: number }
export interface BranchRow { readonly key: string; readonly kind: 'branch'; readonly branch: TraceBranch; readonly index: number; readonly expanded: boolean }
export interface StepRow { readonly key: string; readonly kind: 'step' | 'reply'; readonly step: TraceStep; readonly branchIndex: number; readonly index: number }
export type LayoutEntry = SharedRow | BranchRow | StepRow;

function sameStep(a: TraceStep, b: TraceStep): boolean {
  return a.kind === b.kind && a.title === b.title && a.rule === b.rule && a.chain === b.chain && a.table === b.table
    && a.packet.src === b.packet.src && a.packet.sport === b.packet.sport && a.packet.dst === b.packet.dst
    && a.packet.dport === b.packet.dport && a.mark === b.mark;
}

/**
 * How many leading steps every branch has in common (the path before the first `statistic`
 * fork). Each branch keeps at least one step of its own. Zero for a single branch.
 */
export function sharedPrefixLength(branches: readonly TraceBranch[]): number {
  if (branches.length < 2) return 0;
  const min = Math.min(...branches.map((b) => b.steps.length));
  let n = 0;
  while (n < min - 1 && branches.every((b) => sameStep(b.steps[n], branches[0].steps[n]))) n++;
  return n;
}

/**
 * The picture's rows in keyboard order: the shared hops (`s<i>`), then each branch (`b<i>`)
 * followed, when expanded, by its own hops (`b<i>.<j>`, j counting from the branch's first step)
 * and its reply path (`b<i>.r<j>`).
 */
export function layoutTrace(trace: PathTrace, collapsed: readonly number[]): LayoutEntry[] {
  const shared = sharedPrefixLength(trace.branches);
  const out: LayoutEntry[] = [];
  if (trace.branches.length > 0) {
    for (let i = 0; i < shared; i++) out.push({ key: `s${i}`, kind: 'shared', step: trace.branches[0].steps[i], index: i });
  }
  trace.branches.forEach((branch, bi) => {
    const expanded = !collapsed.includes(bi);
    out.push({ key: `b${bi}`, kind: 'branch', branch, index: bi, expanded });
    if (!expanded) return;
    for (let j = shared; j < branch.steps.length; j++) out.push({ key: `b${bi}.${j}`, kind: 'step', step: branch.steps[j], branchIndex: bi, index: j });
    branch.reply.forEach((step, j) => out.push({ key: `b${bi}.r${j}`, kind: 'reply', step, branchIndex: bi, index: j }));
  });
  return out;
}

/** The key the keyboard moves to from `from` for a navigation key, or undefined to stay. */
export function nextFocus(keys: readonly string[], from: string | undefined, key: 'ArrowDown' | 'ArrowUp' | 'Home' | 'End'): string | undefined {
  if (keys.length === 0) return undefined;
  const i = from === undefined ? -1 : keys.indexOf(from);
  switch (key) {
    case 'Home': return keys[0];
    case 'End': return keys[keys.length - 1];
    case 'ArrowDown': return i < 0 ? keys[0] : keys[Math.min(i + 1, keys.length - 1)];
    case 'ArrowUp': return i < 0 ? keys[0] : keys[Math.max(i - 1, 0)];
  }
}
