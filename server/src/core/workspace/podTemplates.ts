import { stringMapAt, valueAt } from '../manifests/fieldSpan';
import { isJsonObject } from '../manifests/parseManifests';
import type { FieldPath, JsonValue, ManifestObject } from '../manifests/types';
import type { Labels } from '../labels/matchesSelector';

/** A port a container declares (`ports[]`), with where it is written. */
export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  /** TCP when not written. */
  readonly protocol: string;
  readonly container: string;
  /** Declared by a restartable init container (a sidecar: `restartPolicy: Always`). */
  readonly sidecar: boolean;
  readonly path: FieldPath;
}

/**
 * The pods an object stamps out: a Pod itself, the `spec.template` of a Deployment, ReplicaSet,
 * StatefulSet, DaemonSet, ReplicationController, Job or any other kind that has
 * `spec.template.metadata.labels` (Argo Rollout, DeploymentConfig, ...), and a CronJob's
 * `spec.jobTemplate.spec.template`.
 */
export interface PodTemplate {
  readonly object: ManifestObject;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  /** The labels the pods get. */
  readonly labels: Labels;
  /** Path to those labels inside the object (may not exist when the template has none). */
  readonly labelsPath: FieldPath;
  /** Path to the pod spec (`spec` for a Pod). */
  readonly podSpecPath: FieldPath;
  /** The object's own `metadata.labels` (which Services do NOT see, unless it is a Pod). */
  readonly ownLabels: Labels;
  /** How many pods: `spec.replicas` (default 1) for scalable kinds, 1 for a Pod; undefined when it depends on the cluster (DaemonSet: one per node; Job, CronJob: over time). */
  readonly replicas: number | undefined;
  readonly ports: readonly ContainerPort[];
}

const TEMPLATE_AT_SPEC_TEMPLATE: ReadonlySet<string> = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'ReplicationController', 'Job']);
const NOT_WORKLOADS: ReadonlySet<string> = new Set(['PodTemplate']);

/** The pod template an object carries, or undefined when it has none. */
export function readPodTemplate(obj: ManifestObject): PodTemplate | undefined {
  if (obj.namespace === undefined || NOT_WORKLOADS.has(obj.kind)) return undefined;
  let templatePath: FieldPath | undefined;
  if (obj.kind === 'Pod') templatePath = [];
  else if (obj.kind === 'CronJob') templatePath = ['spec', 'jobTemplate', 'spec', 'template'];
  else if (TEMPLATE_AT_SPEC_TEMPLATE.has(obj.kind)) templatePath = ['spec', 'template'];
  else if (isJsonObject(valueAt(obj.value, ['spec', 'template', 'metadata', 'labels']))) templatePath = ['spec', 'template'];
  if (!templatePath) return undefined;
  if (templatePath.length > 0 && !isJsonObject(valueAt(obj.value, templatePath))) return undefined;

  const labelsPath = [...templatePath, 'metadata', 'labels'];
  const podSpecPath = [...templatePath, 'spec'];
  return {
    object: obj,
    kind: obj.kind,
    name: obj.name,
    namespace: obj.namespace,
    labels: stringMapAt(obj.value, labelsPath) ?? {},
    labelsPath,
    podSpecPath,
    ownLabels: stringMapAt(obj.value, ['metadata', 'labels']) ?? {},
    replicas: readReplicas(obj),
    ports: readContainerPorts(obj.value, podSpecPath),
  };
}

function readReplicas(obj: ManifestObject): number | undefined {
  if (obj.kind === 'Pod') return 1;
  if (obj.kind === 'DaemonSet' || obj.kind === 'Job' || obj.kind === 'CronJob') return undefined;
  const r = valueAt(obj.value, ['spec', 'replicas']);
  if (typeof r === 'number' && Number.isInteger(r) && r >= 0) return r;
  if (r === undefined || r === null) return 1;
  return undefined;
}

function readContainerPorts(value: JsonValue, podSpecPath: FieldPath): ContainerPort[] {
  const out: ContainerPort[] = [];
  for (const list of ['containers', 'initContainers'] as const) {
    const containers = valueAt(value, [...podSpecPath, list]);
    if (!Array.isArray(containers)) continue;
    containers.forEach((c: JsonValue, ci: number) => {
      if (!isJsonObject(c)) return;
      const sidecar = list === 'initContainers';
      // Only restartable init containers (sidecars) keep running and serve traffic.
      if (sidecar && c.restartPolicy !== 'Always') return;
      const ports = c.ports;
      if (!Array.isArray(ports)) return;
      ports.forEach((p: JsonValue, pi: number) => {
        if (!isJsonObject(p)) return;
        const num = typeof p.containerPort === 'number' ? p.containerPort : Number(p.containerPort);
        if (!Number.isInteger(num)) return;
        out.push({
          ...(typeof p.name === 'string' ? { name: p.name } : {}),
          containerPort: num,
          protocol: typeof p.protocol === 'string' ? p.protocol : 'TCP',
          container: typeof c.name === 'string' ? c.name : `${list}[${ci}]`,
          sidecar,
          path: [...podSpecPath, list, ci, 'ports', pi],
        });
      });
    });
  }
  return out;
}
