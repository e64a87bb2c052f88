/** The strict exposition reader refuses what Prometheus would refuse or misread. */
import { parseExposition, samples } from ".";

const ok = [
  "# HELP a_total A.",
  "# TYPE a_total counter",
  'a_total{x="1",y="q\\"uote"} 2',
  "# TYPE h histogram",
  'h_bucket{le="0.5"} 1',
  'h_bucket{le="+Inf"} 2',
  "h_sum 3.5",
  "h_count 2",
  "",
].join("\n");

test("a well-formed exposition is read into families and samples", () => {
  const f = parseExposition(ok);
  expect(f.get("a_total")).toMatchObject({ type: "counter", help: "A." });
  expect(samples(f, "a_total", { x: "1" })).toEqual([{ name: "a_total", labels: { x: "1", y: 'q"uote' }, value: 2 }]);
  expect(samples(f, "h_count")[0]?.value).toBe(2);
});

test.each([
  ["a counter not named _total", "# TYPE a counter\na 1\n", /must end in _total/],
  ["a sample before its TYPE", "a 1\n", /outside its family/],
  ["a sample of another family under a TYPE", "# TYPE a gauge\nb 1\n", /outside its family/],
  ["two TYPE lines", "# TYPE a gauge\n# TYPE a gauge\n", /second TYPE/],
  ["a duplicate series", '# TYPE a gauge\na{x="1"} 1\na{x="1"} 2\n', /duplicate/],
  ["a bad value", "# TYPE a gauge\na one\n", /bad value/],
  ["bad labels", "# TYPE a gauge\na{x=1} 1\n", /bad labels/],
  ["a histogram without +Inf", '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', /\+Inf/],
  ["a histogram not cumulative", '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="2"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 2\n', /cumulative/],
  ["no final newline", "# TYPE a gauge\na 1", /newline/],
])("%s is refused", (_what, text, error) => {
  expect(() => parseExposition(text)).toThrow(error);
});
