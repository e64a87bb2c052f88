/**
 * A strict reader of the Prometheus text format 0.0.4, for tests that scrape
 * /metrics: it throws, naming the line, on anything a Prometheus server would
 * reject or a dashboard would misread (a sample before its TYPE, a counter not
 * named *_total, a histogram whose buckets are not cumulative or lack +Inf).
 */
export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<string>(["counter", "gauge", "histogram", "summary", "untyped"]);

export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  const seen = new Set<string>();
  let current: Family | undefined;
  const lines = text.split("\n");
  if (lines.pop() !== "") throw new Error("the exposition must end with a newline");
  lines.forEach((line, i) => {
    const where = `line ${i + 1} ${JSON.stringify(line)}`;
    if (line === "") return;
    const comment = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (comment) {
      const [, kind, name = "", rest = ""] = comment;
      if (!NAME.test(name)) throw new Error(`${where}: bad metric name`);
      if (kind === "HELP") return void helps.set(name, rest);
      if (!TYPES.has(rest)) throw new Error(`${where}: unknown type ${rest}`);
      if (families.has(name)) throw new Error(`${where}: second TYPE line for ${name}`);
      if (rest === "counter" && !name.endsWith("_total")) throw new Error(`${where}: a counter's name must end in _total`);
      current = { name, type: rest as MetricType, help: helps.get(name) ?? "", samples: [] };
      families.set(name, current);
      return;
    }
    if (line.startsWith("#")) return;
    const sample = parseSample(line, where);
    if (current === undefined || !belongsTo(sample.name, current)) throw new Error(`${where}: sample outside its family's TYPE block`);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(key)) throw new Error(`${where}: duplicate series`);
    seen.add(key);
    if (current.type === "counter" && !(sample.value >= 0)) throw new Error(`${where}: a counter must be >= 0`);
    current.samples.push(sample);
  });
  for (const f of families.values()) if (f.type === "histogram") checkHistogram(f);
  return families;
}

function belongsTo(name: string, family: Family): boolean {
  if (family.type === "histogram") return [`${family.name}_bucket`, `${family.name}_sum`, `${family.name}_count`].includes(name);
  if (family.type === "summary") return [family.name, `${family.name}_sum`, `${family.name}_count`].includes(name);
  return name === family.name;
}

function parseSample(line: string, where: string): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: -?\d+)?$/.exec(line);
  if (!m) throw new Error(`${where}: not a sample line`);
  const [, name = "", body, raw = ""] = m;
  // Prometheus reads values with Go's strconv.ParseFloat: NaN and Inf in any case (prom-client writes "Nan").
  const special = /^(?:([+-]?)inf|nan)$/i.exec(raw);
  const value = special ? (special[0].toLowerCase() === "nan" ? NaN : special[1] === "-" ? -Infinity : Infinity) : Number(raw);
  if (Number.isNaN(value) && !special) throw new Error(`${where}: bad value ${raw}`);
  return { name, labels: body === undefined ? {} : parseLabels(body, where), value };
}

function parseLabels(body: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /([^=,]+)="((?:[^"\\]|\\[\\"n])*)"(,|$)/y;
  let end = 0;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    const [, name = "", value = ""] = m;
    if (!LABEL_NAME.test(name)) throw new Error(`${where}: bad label name ${JSON.stringify(name)}`);
    if (name in labels) throw new Error(`${where}: label ${name} twice`);
    labels[name] = value.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    end = re.lastIndex;
    if (m[3] === "") break;
  }
  if (end !== body.length) throw new Error(`${where}: bad labels`);
  return labels;
}

/** Per label set: buckets ascending in le and cumulative, a +Inf bucket equal to _count, and a _sum. */
function checkHistogram(f: Family): void {
  const series = new Map<string, { buckets: [number, number][]; count?: number; sum?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (s.name.endsWith("_bucket")) {
      if (le === undefined) throw new Error(`${f.name}: a bucket without le`);
      entry.buckets.push([le === "+Inf" ? Infinity : Number(le), s.value]);
    } else if (s.name.endsWith("_count")) entry.count = s.value;
    else entry.sum = s.value;
  }
  for (const [key, { buckets, count, sum }] of series) {
    const what = `${f.name}${key}`;
    if (count === undefined || sum === undefined) throw new Error(`${what}: _count or _sum missing`);
    for (let i = 1; i < buckets.length; i++) {
      const [le, v] = buckets[i]!;
      const [prevLe, prev] = buckets[i - 1]!;
      if (!(le > prevLe) || v < prev) throw new Error(`${what}: buckets not ascending and cumulative at le=${le}`);
    }
    const last = buckets[buckets.length - 1];
    if (last === undefined || last[0] !== Infinity || last[1] !== count) throw new Error(`${what}: the +Inf bucket must exist and equal _count`);
  }
}

/** The samples of `name` (a family or a histogram's _bucket/_sum/_count) whose labels include `labels`. */
export function samples(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): Sample[] {
  return [...families.values()]
    .flatMap((f) => f.samples)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}
