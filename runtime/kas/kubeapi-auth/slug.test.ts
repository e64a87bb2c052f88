/** GitLab's environment slug, against GitLab's own table (spec/lib/gitlab/slug/environment_spec.rb), digest pinned as there. */
import { environmentSlug, slugWithDigest } from "./slug";

const A64 = "a".repeat(64); // GitLab's spec: ('a' * 64).to_i(16).to_s(36).last(6) is "q517sa"

test.each([
  ["staging-12345678901234567", "staging-123456789-q517sa"],
  ["9-staging-123456789012345", "env-9-staging-123-q517sa"],
  ["staging-1234567890123456", "staging-1234567890123456"],
  ["staging-1234567890123456-", "staging-123456789-q517sa"],
  ["production", "production"],
  ["PRODUCTION", "production-q517sa"],
  ["review/1-foo", "review-1-foo-q517sa"],
  ["1-foo", "env-1-foo-q517sa"],
  ["1/foo", "env-1-foo-q517sa"],
  ["foo-", "foo"],
  ["foo--bar", "foo-bar-q517sa"],
  ["foo**bar", "foo-bar-q517sa"],
  ["*-foo", "env-foo-q517sa"],
  ["staging-12345678-", "staging-12345678"],
  ["staging-12345678-01234567", "staging-12345678-q517sa"],
  ["", "env-q517sa"],
])("%j -> %j", (name, slug) => {
  expect(slugWithDigest(name, A64)).toBe(slug);
});

test("the suffix comes from the name's SHA-256", () => {
  expect(environmentSlug("production")).toBe("production");
  expect(environmentSlug("review/feature-1")).toMatch(/^review-feature-1-[a-z0-9]{6}$/);
  expect(environmentSlug("review/feature-1")).not.toBe(environmentSlug("review/feature_1"));
});
