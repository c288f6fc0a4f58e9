export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

export interface PrometheusText {
  families: Map<string, MetricFamily>;
  samples: Sample[];
  /** Sum of the samples named `name` whose labels include every label in `labels` (0 when none match). */
  value(name: string, labels?: Record<string, string>): number;
  /** True when at least one sample named `name` matches `labels`. */
  has(name: string, labels?: Record<string, string>): boolean;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<string>(["counter", "gauge", "histogram", "summary", "untyped"]);
const SUFFIXES: Record<MetricType, string[]> = {
  counter: [""],
  gauge: [""],
  untyped: [""],
  histogram: ["_bucket", "_sum", "_count"],
  summary: ["", "_sum", "_count"],
};

/**
 * A strict parser of Prometheus's text exposition format 0.0.4, for tests: every line must be a comment, a
 * HELP/TYPE line or a well-formed sample of a declared family; a duplicate series, an undeclared sample, a bad
 * escape or number, or a histogram whose buckets are not cumulative up to `+Inf` = `_count` throws with the line.
 */
export function parsePrometheusText(text: string): PrometheusText {
  const families = new Map<string, MetricFamily>();
  const samples: Sample[] = [];
  const seen = new Set<string>();
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  lines.forEach((line, i) => {
    const fail = (why: string): never => {
      throw new Error(`metrics line ${i + 1}: ${why}: ${JSON.stringify(line)}`);
    };
    if (line.trim() === "") return;
    if (line.startsWith("#")) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (!m) return; // a plain comment
      const [, keyword, name, rest = ""] = m;
      if (!METRIC_NAME.test(name!)) fail("bad metric name");
      const family = families.get(name!) ?? { name: name!, type: "untyped" as MetricType, help: "", samples: [] };
      if (keyword === "TYPE") {
        if (!TYPES.has(rest)) fail("unknown type");
        if (family.samples.length) fail("TYPE after samples");
        family.type = rest as MetricType;
      } else {
        family.help = unescapeText(rest, false, fail);
      }
      families.set(name!, family);
      return;
    }
    const sample = parseSample(line, fail);
    const family = familyOf(families, sample.name) ?? fail("sample of an undeclared metric");
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(key)) fail("duplicate series");
    seen.add(key);
    family.samples.push(sample);
    samples.push(sample);
  });
  for (const family of families.values()) if (family.type === "histogram") checkHistogram(family);
  const matching = (name: string, labels: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return {
    families,
    samples,
    value: (name, labels) => matching(name, labels).reduce((sum, s) => sum + s.value, 0),
    has: (name, labels) => matching(name, labels).length > 0,
  };
}

function familyOf(families: Map<string, MetricFamily>, sampleName: string): MetricFamily | undefined {
  for (const family of families.values()) {
    if (SUFFIXES[family.type].some((suffix) => `${family.name}${suffix}` === sampleName)) return family;
  }
  return undefined;
}

function parseSample(line: string, fail: (why: string) => never): Sample {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line) ?? fail("no metric name");
  const name = nameMatch[0];
  let pos = name.length;
  const labels: Record<string, string> = {};
  if (line[pos] === "{") {
    pos++;
    while (line[pos] !== "}") {
      const eq = line.indexOf("=", pos);
      if (eq === -1) fail("label without value");
      const label = line.slice(pos, eq);
      if (!LABEL_NAME.test(label)) fail(`bad label name ${label}`);
      if (label in labels) fail(`label ${label} twice`);
      if (line[eq + 1] !== '"') fail("label value not quoted");
      let end = eq + 2;
      while (end < line.length && line[end] !== '"') end += line[end] === "\\" ? 2 : 1;
      if (end >= line.length) fail("unterminated label value");
      labels[label] = unescapeText(line.slice(eq + 2, end), true, fail);
      pos = end + 1;
      if (line[pos] === ",") pos++;
      else if (line[pos] !== "}") fail("expected , or }");
    }
    pos++;
  }
  if (line[pos] !== " ") fail("expected a space before the value");
  const [value, timestamp, ...extra] = line.slice(pos + 1).split(" ");
  if (extra.length || value === undefined) fail("trailing text");
  if (timestamp !== undefined && !/^-?\d+$/.test(timestamp)) fail("bad timestamp");
  return { name, labels, value: parseValue(value!, fail) };
}

/** Numbers as Prometheus reads them (Go's ParseFloat): NaN and Inf in any case; prom-client writes `Nan`. */
function parseValue(text: string, fail: (why: string) => never): number {
  if (/^\+?inf(inity)?$/i.test(text)) return Number.POSITIVE_INFINITY;
  if (/^-inf(inity)?$/i.test(text)) return Number.NEGATIVE_INFINITY;
  if (/^nan$/i.test(text)) return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) fail(`bad value ${text}`);
  return Number(text);
}

function unescapeText(text: string, quotes: boolean, fail: (why: string) => never): string {
  return text.replace(/\\(.?)/g, (_, c: string) => {
    if (c === "\\") return "\\";
    if (c === "n") return "\n";
    if (c === '"' && quotes) return '"';
    return fail(`bad escape \\${c}`);
  });
}

function checkHistogram(family: MetricFamily): void {
  const series = new Map<string, { buckets: Array<[number, number]>; count?: number }>();
  const keyOf = (labels: Record<string, string>) =>
    JSON.stringify(
      Object.entries(labels)
        .filter(([k]) => k !== "le")
        .sort(),
    );
  for (const s of family.samples) {
    const entry = series.get(keyOf(s.labels)) ?? { buckets: [] };
    series.set(keyOf(s.labels), entry);
    if (s.name.endsWith("_bucket")) {
      const le = s.labels.le;
      if (le === undefined) throw new Error(`${family.name}: bucket without le`);
      entry.buckets.push([le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le), s.value]);
    } else if (s.name.endsWith("_count")) entry.count = s.value;
  }
  for (const [labels, { buckets, count }] of series) {
    const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
    sorted.forEach(([, v], i) => {
      if (i > 0 && v < sorted[i - 1]![1]) throw new Error(`${family.name}${labels}: buckets not cumulative`);
    });
    const inf = sorted.at(-1);
    if (!inf || inf[0] !== Number.POSITIVE_INFINITY) throw new Error(`${family.name}${labels}: no +Inf bucket`);
    if (count !== inf[1]) throw new Error(`${family.name}${labels}: +Inf bucket ${inf[1]} is not _count ${count}`);
  }
}
