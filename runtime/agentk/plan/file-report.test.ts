/**
 * A glob that picks up what is not a manifest (a Helm chart, a kustomization):
 * one entry per file saying what the file is and what to do, a bounded report.
 * Fixtures: testdata/helm-chart/webapp (as `helm create` lays a chart out) and testdata/kustomize.
 */
import type { SourceFile } from "../../rpc/object-stream";
import { FILES_PER_REPORT, parseManifests, PROBLEMS_PER_FILE, reportByFile, type ManifestError } from "./index";
import { testdataFiles as tree } from "./testdata/fixtures";

const file = (path: string, text: string): SourceFile => ({ path, data: Buffer.from(text) });

function errorsOf(files: SourceFile[]): ManifestError[] {
  const result = parseManifests(files);
  if (!("errors" in result)) throw new Error(`expected errors, got ${result.objects.length} objects`);
  return result.errors;
}

const HELM = "looks like a Helm template ({{ ... }}); render it (helm template) and commit the output, or exclude it from the glob";
const KUSTOMIZE = "is a Kustomize file, not a Kubernetes object; commit the output of kustomize build (kubectl kustomize) instead, or exclude it from the glob";

describe("a glob that picked up a Helm chart and kustomizations", () => {
  const files = [...tree("helm-chart"), ...tree("kustomize")];

  test("one entry per file, each saying what the file is; the whole report stays small", () => {
    const report = reportByFile(errorsOf(files));
    expect(report.map((e) => e.slice(0, e.indexOf(": ")))).toEqual(files.map((f) => f.path));
    const entry = (path: string) => report.find((e) => e.startsWith(`${path}: `))!;
    expect(entry("helm-chart/webapp/templates/deployment.yaml")).toMatch(/^helm-chart\/webapp\/templates\/deployment\.yaml: line 4: looks like a Helm template/);
    for (const t of ["deployment", "hpa", "service", "serviceaccount"]) expect(entry(`helm-chart/webapp/templates/${t}.yaml`)).toContain(HELM);
    expect(entry("helm-chart/webapp/Chart.yaml")).toContain("Chart.yaml describes a Helm chart, it is not a Kubernetes object; render the chart (helm template)");
    expect(entry("helm-chart/webapp/values.yaml")).toContain("the values of the Helm chart in helm-chart/webapp, not a Kubernetes object");
    expect(entry("kustomize/kustomization.yaml")).toBe(`kustomize/kustomization.yaml: kustomization.yaml ${KUSTOMIZE}`);
    expect(entry("kustomize/overlays/prod/kustomization.yml")).toMatch(new RegExp(`^kustomize/overlays/prod/kustomization\\.yml: kustomization\\.yml ${KUSTOMIZE.replace(/[()]/g, "\\$&")} \\(3 problems, first: `));
    // Before: 101 messages, 13 KB, and the kustomizations were never read ("files after hpa.yaml were not read").
    expect(report.join("; ").length).toBeLessThan(4_000);
  });

  test("a template's entry gives its first few problems and how many more", () => {
    const hpa = reportByFile(errorsOf(tree("helm-chart"))).find((e) => e.startsWith("helm-chart/webapp/templates/hpa.yaml"))!;
    const first = /\((\d+) problems, first: (.*); and (\d+) more\)$/.exec(hpa);
    expect(first).not.toBeNull();
    expect(first![2]!.split("; document ")).toHaveLength(PROBLEMS_PER_FILE);
    expect(Number(first![1])).toBe(PROBLEMS_PER_FILE + Number(first![3]));
    expect(first![2]).toMatch(/^document 0: line 1: invalid YAML: /);
  });
});

describe("only files with problems are diagnosed", () => {
  test("a valid ConfigMap holding Go templates (alerting) is an object, applied as it is", () => {
    const cm = `apiVersion: v1
kind: ConfigMap
metadata: {name: alert-templates, namespace: monitoring}
data:
  slack.tmpl: |
    {{ define "slack.title" }}[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}{{ end }}
`;
    const result = parseManifests([file("templates/alerts.yaml", cm)]);
    expect("objects" in result && result.objects.map((o) => o.name)).toEqual(["alert-templates"]);
  });

  test("Flux's Kustomization (kustomize.toolkit.fluxcd.io) is a Kubernetes object; kustomize's own is not, whatever the file is called", () => {
    const flux = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\nspec: {interval: 10m, path: ./apps, prune: true, sourceRef: {kind: GitRepository, name: repo}}\n";
    const result = parseManifests([file("clusters/apps.yaml", flux)]);
    expect("objects" in result && result.objects.map((o) => o.kind)).toEqual(["Kustomization"]);
    const own = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [deployment.yaml]\n";
    expect(reportByFile(errorsOf([file("base/kustomize-base.yaml", own)]))).toEqual([
      "base/kustomize-base.yaml: document 0: kind Kustomization (kustomize.config.k8s.io) is a Kustomize file, not a Kubernetes object; commit the output of kustomize build (kubectl kustomize) instead, or exclude it from the glob",
    ]);
  });

  test("values.yaml is a chart's only next to a Chart.yaml; elsewhere its problems are listed as they are", () => {
    const values = "replicaCount: 2\nimage: {repository: nginx}\n";
    expect(reportByFile(errorsOf([file("config/values.yaml", values)]))).toEqual([
      "config/values.yaml: 3 problems: document 0: apiVersion: required (a string); document 0: kind: required (a string); document 0: metadata: required (a mapping with name)",
    ]);
  });
});

describe("reportByFile: bounded whatever the commit", () => {
  test(`problems in ${FILES_PER_REPORT + 5} files: ${FILES_PER_REPORT} entries, then how many files were left out`, () => {
    const files = Array.from({ length: FILES_PER_REPORT + 5 }, (_, i) => file(`f${i}.yaml`, "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n"));
    const report = reportByFile(errorsOf(files));
    expect(report).toHaveLength(FILES_PER_REPORT + 1);
    expect(report[0]).toBe("f0.yaml: document 0: metadata.name: required (a string)");
    expect(report[FILES_PER_REPORT]).toBe("5 more file(s) with problems not listed");
  });

  test("a problem quoting a long line is cut short; the commit's own 'more problems' note comes last", () => {
    const long = `${"x".repeat(5000)}: [\n`;
    const flood = Array.from({ length: 200 }, () => "]").join("\n");
    const report = reportByFile(errorsOf([file("long.yaml", long), file("flood.yaml", flood), file("never-read.yaml", "kind: [")]));
    expect(Math.max(...report.map((e) => e.length))).toBeLessThan(1_000);
    expect(report[report.length - 1]).toMatch(/^\d+ more problem\(s\) not listed; files after flood\.yaml were not read$/);
  });

  test("a problem of the whole file (the rest was not read) leads its entry", () => {
    const report = reportByFile(errorsOf([file("d.yaml", "]\n".repeat(2000))]));
    expect(report[0]).toMatch(/^d\.yaml: invalid YAML: more than 1000 errors; the rest of the file was not read \(99 problems, first: document 0: line 1: invalid YAML: /);
    expect(report[1]).toBe("902 more problem(s) not listed");
  });
});
