/** A minimal Prometheus text-format registry: counters and gauges with labels. */
type Labels = Record<string, string>;

interface Series {
  readonly help: string;
  readonly type: "counter" | "gauge";
  readonly values: Map<string, number>;
  readonly collect?: () => number;
}

export class Metrics {
  private readonly series = new Map<string, Series>();

  counter(name: string, help: string): (labels?: Labels, by?: number) => void {
    const s = this.define(name, help, "counter");
    return (labels = {}, by = 1) => {
      const k = labelKey(labels);
      s.values.set(k, (s.values.get(k) ?? 0) + by);
    };
  }

  gauge(name: string, help: string): (value: number, labels?: Labels) => void {
    const s = this.define(name, help, "gauge");
    return (value, labels = {}) => void s.values.set(labelKey(labels), value);
  }

  /** A gauge read at scrape time. */
  gaugeFn(name: string, help: string, collect: () => number): void {
    this.series.set(name, { help, type: "gauge", values: new Map(), collect });
  }

  render(): string {
    const out: string[] = [];
    for (const [name, s] of this.series) {
      out.push(`# HELP ${name} ${s.help}`, `# TYPE ${name} ${s.type}`);
      if (s.collect) out.push(`${name} ${s.collect()}`);
      for (const [labels, v] of s.values) out.push(`${name}${labels} ${v}`);
    }
    return out.join("\n") + "\n";
  }

  private define(name: string, help: string, type: Series["type"]): Series {
    const existing = this.series.get(name);
    if (existing) return existing;
    const s: Series = { help, type, values: new Map() };
    this.series.set(name, s);
    return s;
  }
}

function labelKey(labels: Labels): string {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return "";
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`).join(",")}}`;
}

/** Process metrics every Prometheus client exposes. */
export function registerProcessMetrics(m: Metrics): void {
  m.gaugeFn("process_resident_memory_bytes", "Resident memory size in bytes.", () => process.memoryUsage().rss);
  m.gaugeFn("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  });
  m.gaugeFn("nodejs_heap_used_bytes", "V8 heap used in bytes.", () => process.memoryUsage().heapUsed);
}
