import { describe, expect, it } from "vitest";
import { parsePrometheusText } from "./prometheus.js";

const GOOD = `# HELP igdm_things_total Things, with a \\\\ and a \\n in the help
# TYPE igdm_things_total counter
igdm_things_total{service="x",kind="a"} 3
igdm_things_total{service="x",kind="b \\"quoted\\""} 2
# TYPE igdm_lag gauge
igdm_lag 1.5e2
# TYPE igdm_mean gauge
igdm_mean{a="1"} Nan
igdm_mean{a="2"} +Inf
# TYPE igdm_seconds histogram
igdm_seconds_bucket{le="0.1",durable="d"} 1
igdm_seconds_bucket{le="1",durable="d"} 2
igdm_seconds_bucket{le="+Inf",durable="d"} 2
igdm_seconds_sum{durable="d"} 0.7
igdm_seconds_count{durable="d"} 2
`;

describe("parsePrometheusText", () => {
  it("reads families, labels, escapes and values, and sums matching samples", () => {
    const m = parsePrometheusText(GOOD);
    expect(m.families.get("igdm_things_total")).toMatchObject({
      type: "counter",
      help: "Things, with a \\ and a \n in the help",
    });
    expect(m.value("igdm_things_total")).toBe(5);
    expect(m.value("igdm_things_total", { kind: 'b "quoted"' })).toBe(2);
    expect(m.value("igdm_lag")).toBe(150);
    expect(m.value("igdm_mean", { a: "1" })).toBeNaN();
    expect(m.value("igdm_mean", { a: "2" })).toBe(Number.POSITIVE_INFINITY);
    expect(m.value("igdm_seconds_count", { durable: "d" })).toBe(2);
    expect(m.has("igdm_things_total", { kind: "c" })).toBe(false);
  });

  it.each([
    ["an undeclared sample", "igdm_x 1\n"],
    ["a duplicate series", '# TYPE igdm_x gauge\nigdm_x{a="1"} 1\nigdm_x{a="1"} 2\n'],
    ["a bad value", "# TYPE igdm_x gauge\nigdm_x one\n"],
    ["an unquoted label", "# TYPE igdm_x gauge\nigdm_x{a=1} 1\n"],
    ["an unterminated label", '# TYPE igdm_x gauge\nigdm_x{a="1} 1\n'],
    ["a bad escape", '# TYPE igdm_x gauge\nigdm_x{a="\\t"} 1\n'],
    ["an unknown type", "# TYPE igdm_x thing\n"],
    ["trailing text", "# TYPE igdm_x gauge\nigdm_x 1 2 3\n"],
    [
      "non-cumulative buckets",
      '# TYPE igdm_h histogram\nigdm_h_bucket{le="1"} 2\nigdm_h_bucket{le="+Inf"} 1\nigdm_h_sum 1\nigdm_h_count 1\n',
    ],
    ["a histogram without +Inf", '# TYPE igdm_h histogram\nigdm_h_bucket{le="1"} 2\nigdm_h_sum 1\nigdm_h_count 2\n'],
  ])("refuses %s", (_, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
});
