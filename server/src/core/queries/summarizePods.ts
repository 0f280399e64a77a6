import type { PodTemplate } from '../workspace/podTemplates';

/** How many pods a set of pod templates stands for. */
export interface PodSummary {
  readonly workloads: number;
  /** Sum of the known replica counts. */
  readonly pods: number;
  /** Workloads whose pod count depends on the cluster (DaemonSet, Job, CronJob, non-literal replicas). */
  readonly variable: number;
}

export function summarizePods(templates: readonly PodTemplate[]): PodSummary {
  let pods = 0;
  let variable = 0;
  for (const t of templates) {
    if (t.replicas === undefined) variable++;
    else pods += t.replicas;
  }
  return { workloads: templates.length, pods, variable };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `3 pods in 1 workload`, `2+ pods in 2 workloads` (when some counts vary), `no pods match`. */
export function formatPodSummary(s: PodSummary): string {
  if (s.workloads === 0) return 'no pods match';
  const pods = s.variable > 0 ? `${s.pods}+ pods` : plural(s.pods, 'pod');
  return `${pods} in ${plural(s.workloads, 'workload')}`;
}

/** `3 replicas`, `1 replica`, or a word for kinds whose count depends on the cluster. */
export function formatReplicas(t: PodTemplate): string {
  if (t.replicas !== undefined) return plural(t.replicas, 'replica');
  if (t.kind === 'DaemonSet') return 'one pod per node';
  if (t.kind === 'Job' || t.kind === 'CronJob') return 'pods over time';
  return 'replicas not literal';
}
