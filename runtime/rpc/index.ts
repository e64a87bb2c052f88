export * from "./agent-config";
export * from "./messages";
export * from "./protocol";
export * from "./object-stream";
export * from "./batch-assembler";
export * from "./tunnel-messages";
export * from "./preview";
export * from "./preview-parse";
