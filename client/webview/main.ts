// The trace panel's script: keeps a PanelState, draws it, and talks to the extension with the
// typed messages of ./messages. It draws traces; it never computes one.
import { validateScenario, type FromWebviewMessage, type ToWebviewMessage } from './messages';
import { initialState, layoutTrace, looksLikeTrace, nextFocus, panelReducer, persistedState, type PanelAction, type PanelState } from './state';
import { createPanel, focusRow } from './render';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
let state: PanelState = panelReducer(initialState, { type: 'restore', saved: vscode.getState() });

function post(message: FromWebviewMessage): void {
  vscode.postMessage(message);
}

function dispatch(action: PanelAction): void {
  const before = state;
  state = panelReducer(state, action);
  if (state === before) return;
  vscode.setState(persistedState(state));
  if (action.type === 'editScenario' && state.scenario && state.scenario !== before.scenario) {
    post({ type: 'setScenario', scenario: state.scenario });
  }
  panel.render(state);
}

const panel = createPanel(document.getElementById('app') ?? document.body, {
  edit: (patch) => dispatch({ type: 'editScenario', patch }),
  toggleBranch: (index, expanded) => dispatch({ type: 'toggleBranch', index, ...(expanded !== undefined ? { expanded } : {}) }),
  focus: (key) => {
    dispatch({ type: 'focus', key });
    focusRow(key);
  },
  reveal: (source) => post({ type: 'reveal', source: { uri: source.uri, span: { start: source.span.start, end: source.span.end } } }),
  copyMarkdown: () => post({ type: 'copyMarkdown' }),
  saveSvg: () => post({ type: 'saveSvg' }),
  navigate: (from, key) => {
    if (!state.trace) return;
    const keys = layoutTrace(state.trace, state.collapsed).map((r) => r.key);
    const to = nextFocus(keys, from, key);
    if (to === undefined) return;
    dispatch({ type: 'focus', key: to });
    focusRow(to);
  },
});

/** Messages come from our own extension; still, only known shapes are acted on. */
function isToWebviewMessage(data: unknown): data is ToWebviewMessage {
  if (typeof data !== 'object' || data === null) return false;
  const m = data as Record<string, unknown>;
  switch (m.type) {
    case 'trace': return looksLikeTrace(m.trace) && typeof m.options === 'object' && m.options !== null;
    case 'loading': return validateScenario(m.scenario) !== undefined;
    case 'error': return validateScenario(m.scenario) !== undefined && typeof m.message === 'string';
    case 'notice': return typeof m.message === 'string';
    default: return false;
  }
}

window.addEventListener('message', (event: MessageEvent) => {
  if (!isToWebviewMessage(event.data)) return;
  dispatch({ type: 'received', message: event.data });
  if (event.data.type === 'trace') {
    // Tell the extension what the page now shows, read back from the DOM (not from the message).
    post({
      type: 'rendered',
      title: (document.getElementById('kpp-title')?.textContent ?? '').slice(0, 500),
      branches: document.querySelectorAll('.branch').length,
      hops: document.querySelectorAll('.hop').length,
    });
  }
});

panel.render(state);
post(state.scenario ? { type: 'ready', scenario: state.scenario } : { type: 'ready' });
