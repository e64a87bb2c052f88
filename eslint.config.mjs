// @ts-check
import eslint from "@eslint/js";
import tseslint from "typescript-eslint";

/** Restrict imports so the two runtimes stay independent (DESIGN.md, "Dependency rule"). */
const noImportOf = (folder, why) => ({
  "no-restricted-imports": [
    "error",
    {
      patterns: [
        // "../agentk", "../../agentk/x", "<anything>/runtime/agentk/...": any way of reaching the other runtime.
        { regex: `(^|/)runtime/${folder}(/|$)|^(\\.\\./)+${folder}(/|$)`, message: why },
      ],
    },
  ],
});

export default tseslint.config(
  { ignores: ["dist/**", "runtime/dist/**", "node_modules/**", "coverage/**", "**/*.js", "**/*.mjs", "test/cluster/.cache/**"] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      eqeqeq: ["error", "always"],
    },
  },
  {
    files: ["runtime/kas/**/*.ts"],
    rules: noImportOf("agentk", "runtime/kas must not import runtime/agentk: share code through runtime/rpc or runtime/common."),
  },
  {
    files: ["runtime/agentk/**/*.ts"],
    rules: noImportOf("kas", "runtime/agentk must not import runtime/kas: share code through runtime/rpc or runtime/common."),
  },
  {
    files: ["infra/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ regex: "(^|/)runtime/(kas|agentk)(/|$)", message: "infra imports no runtime code (DESIGN.md)." }] },
      ],
    },
  },
);
