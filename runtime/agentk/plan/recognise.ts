/**
 * Files a manifest glob picks up that are not Kubernetes objects at all: a
 * Helm chart's templates, Chart.yaml and values, a kustomization.yaml. Their
 * dozens of YAML or field problems say nothing useful; what the file is, and
 * what to commit instead, does.
 */

export interface FileHint {
  /** 1-based line that gave the file away (a template action). */
  readonly line?: number;
  readonly problem: string;
}

const KUSTOMIZATION_NAMES: ReadonlySet<string> = new Set(["kustomization.yaml", "kustomization.yml", "Kustomization"]);
const CHART_NAMES: ReadonlySet<string> = new Set(["Chart.yaml", "Chart.yml"]);
const KUSTOMIZE_GROUP = "kustomize.config.k8s.io";

/** A Go template action: `{{ .Values.x }}`, `{{- include "a" . | nindent 4 }}`, `{{- end }}`. */
const GO_TEMPLATE_ACTION = /\{\{-?\s*[^\s{}][^\n]{0,500}?\}\}/;

const RENDER_HELM = "render it (helm template) and commit the output, or exclude it from the glob";
const RENDER_CHART = "render the chart (helm template) and commit the output, or exclude the chart from the glob";
const RENDER_KUSTOMIZE = "commit the output of kustomize build (kubectl kustomize) instead, or exclude it from the glob";

const split = (path: string): { dir: string; base: string } => {
  const i = path.lastIndexOf("/");
  return { dir: i < 0 ? "" : path.slice(0, i), base: path.slice(i + 1) };
};

/** Folders of a commit that hold a Helm chart (a Chart.yaml). */
export function chartDirectories(paths: readonly string[]): ReadonlySet<string> {
  return new Set(paths.map(split).filter((p) => CHART_NAMES.has(p.base)).map((p) => p.dir));
}

/** What a file that has problems is, if it is one of the files above; undefined for anything else. */
export function recogniseFile(path: string, text: string, chartDirs: ReadonlySet<string>): FileHint | undefined {
  const { dir, base } = split(path);
  if (KUSTOMIZATION_NAMES.has(base)) return { problem: `${base} is a Kustomize file, not a Kubernetes object; ${RENDER_KUSTOMIZE}` };
  if (CHART_NAMES.has(base)) return { problem: `${base} describes a Helm chart, it is not a Kubernetes object; ${RENDER_CHART}` };
  if (/^values.*\.ya?ml$/.test(base) && chartDirs.has(dir)) return { problem: `the values of the Helm chart in ${dir || "."}, not a Kubernetes object; ${RENDER_CHART}` };
  const action = GO_TEMPLATE_ACTION.exec(text);
  if (action) {
    const line = text.slice(0, action.index).split("\n").length;
    return { line, problem: `looks like a Helm template ({{ ... }}); ${RENDER_HELM}` };
  }
  return undefined;
}

/** A `kind: Kustomization` of kustomize.config.k8s.io (not Flux's kustomize.toolkit.fluxcd.io Kustomization, which is a real object). */
export function kustomizationProblem(group: string, kind: string): string | undefined {
  return group === KUSTOMIZE_GROUP && kind === "Kustomization" ? `kind Kustomization (${KUSTOMIZE_GROUP}) is a Kustomize file, not a Kubernetes object; ${RENDER_KUSTOMIZE}` : undefined;
}
