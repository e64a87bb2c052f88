/** grpc-js's logger is routed through ours: one JSON line each, at the verbosity our level asks for unless GRPC_VERBOSITY says otherwise. */
import * as grpc from "@grpc/grpc-js";
import { logGrpcThroughLogger } from "./grpc-logging";
import { createLogger } from "./logger";

const lines: string[] = [];
const logger = createLogger({ level: "debug", write: (l) => void lines.push(l), now: () => new Date(0) }, { component: "kas" });
afterEach(() => {
  lines.length = 0;
});

test("an error grpc-js logs becomes one JSON line of ours; its debug lines wait for our debug level", () => {
  logGrpcThroughLogger(logger, "info", {});
  grpc.experimental.log(grpc.logVerbosity.ERROR, "subchannel %s", "went away");
  grpc.experimental.log(grpc.logVerbosity.DEBUG, "chatter");
  expect(lines).toEqual([JSON.stringify({ time: "1970-01-01T00:00:00.000Z", level: "error", msg: "grpc-js", component: "kas", message: "subchannel went away" }) + "\n"]);
  lines.length = 0;
  logGrpcThroughLogger(logger, "debug", {});
  grpc.experimental.log(grpc.logVerbosity.DEBUG, "chatter");
  expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([expect.objectContaining({ level: "debug", msg: "grpc-js", message: "chatter" })]);
});

test("GRPC_VERBOSITY keeps the verbosity grpc-js read from it", () => {
  grpc.setLogVerbosity(grpc.logVerbosity.NONE);
  logGrpcThroughLogger(logger, "debug", { GRPC_VERBOSITY: "NONE" });
  grpc.experimental.log(grpc.logVerbosity.ERROR, "quiet");
  expect(lines).toEqual([]);
  grpc.setLogVerbosity(grpc.logVerbosity.ERROR);
});
