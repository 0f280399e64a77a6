// What the example workspace must show, shared by the extension-host suite and the browser test.
// The same diagnostics `kpp check examples` prints (see examples/broken/README.md).

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/** [code, severity, 1-based line] per file of examples/broken/, in line order. */
export const EXPECTED_DIAGNOSTICS: Readonly<Record<string, readonly (readonly [string, Severity, number])[]>> = {
  'broken/ingress-backend-port-not-found.yaml': [['ingress-backend-port-not-found', 'error', 48]],
  'broken/ingress-backend-service-not-found.yaml': [['ingress-backend-service-not-found', 'warning', 52]],
  'broken/networkpolicy-selector-matches-no-pods.yaml': [
    ['networkpolicy-selector-matches-no-pods', 'warning', 32],
    ['networkpolicy-selector-matches-no-pods', 'warning', 39],
  ],
  'broken/service-has-no-endpoints-source.yaml': [['service-has-no-endpoints-source', 'information', 6]],
  'broken/service-port-invalid.yaml': [
    ['service-port-invalid', 'error', 42],
    ['service-port-invalid', 'error', 43],
    ['service-port-invalid', 'error', 45],
    ['service-port-invalid', 'error', 60],
    ['service-port-invalid', 'error', 69],
  ],
  'broken/service-selector-matches-no-pods.yaml': [
    ['service-selector-matches-no-pods', 'warning', 32],
    ['service-selector-matches-no-pods', 'warning', 71],
  ],
  'broken/service-target-port-not-found.yaml': [
    ['service-target-port-not-found', 'error', 37],
    ['service-target-port-not-found', 'hint', 38],
  ],
  'broken/workload-selector-mismatch.yaml': [['workload-selector-mismatch', 'error', 9]],
  'broken/yaml-syntax.yaml': [['yaml-syntax', 'error', 13]],
};

/** The good examples: no diagnostics at all. */
export const GOOD_FILES: readonly string[] = [
  'nginx/deployment.yaml', 'nginx/service.yaml', 'ingress/aks-helloworld-one.yaml', 'ingress/aks-helloworld-two.yaml',
  'ingress/hello-world-ingress.yaml', 'ingress/ingress-nginx-controller.yaml',
];

/** How many diagnostics of a severity the workspace shows in total. */
export function countDiagnostics(severity: Severity): number {
  return Object.values(EXPECTED_DIAGNOSTICS).flat().filter((d) => d[1] === severity).length;
}
