import { parse } from "yaml";
import { goCompatibleTags } from "./yaml-tags";

test.each([
  ["a: yes", { a: true }],
  ["a: 0755", { a: 493 }],
  ["a: 12:30", { a: "12:30" }],
  ["a: 1:20:00", { a: "1:20:00" }],
  ["a: 2024-01-31", { a: "2024-01-31" }],
])("YAML 1.1 as Go reads it: %s", (text, expected) => {
  expect(parse(text, { version: "1.1", customTags: goCompatibleTags })).toEqual(expected);
});
