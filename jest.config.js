/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>"],
  testMatch: ["**/*.test.ts"],
  transform: {
    // client-node 1.x and its auth deps are ESM-only; jest's module system needs them transpiled.
    "^.+\\.[tj]sx?$": ["ts-jest", { tsconfig: "tsconfig.test.json" }],
  },
  transformIgnorePatterns: [
    "/node_modules/(?!(@kubernetes/client-node|openid-client|oauth4webapi|jose)/)",
  ],
  // Tests against the real cluster start processes; give them room, and never run two clusters at once on 2 cores.
  testTimeout: 120000,
  maxWorkers: 1,
  modulePathIgnorePatterns: ["<rootDir>/dist/", "<rootDir>/runtime/dist/"],
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/dist/", "<rootDir>/runtime/dist/"],
  globalSetup: "<rootDir>/test/jest/global-setup.js",
  reporters: ["default", "<rootDir>/test/jest/summary-reporter.js"],
};
