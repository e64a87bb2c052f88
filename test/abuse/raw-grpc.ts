/**
 * gRPC calls made by hand over node:http2, for peers grpc-js would never be:
 * one that sends a request and then never reads (grpc-js clients read
 * everything into their own buffers, so they cannot stall a server).
 */
import * as http2 from "node:http2";
import { serviceDefinitions } from "../../runtime/rpc";

export interface StalledCall {
  /** Resolves with the grpc-status kas ends the call with (from trailers, or the RST when it resets it). */
  readonly ended: Promise<{ status: string | undefined; message: string | undefined }>;
  close(): void;
}

/** Opens GetObjectsToSynchronize on its own HTTP/2 connection and never reads a byte of the answer. */
export function stalledObjectsCall(address: string, token: string, request: Record<string, unknown>): StalledCall {
  const method = serviceDefinitions().gitops.GetObjectsToSynchronize!;
  const body = method.requestSerialize(request);
  const frame = Buffer.alloc(5 + body.length);
  frame.writeUInt32BE(body.length, 1);
  body.copy(frame, 5);
  // Small windows, so kas's writes stop soon: what kas holds then is its own doing.
  const session = http2.connect(`http://${address}`, { settings: { initialWindowSize: 65_535 } });
  session.on("error", () => undefined);
  const stream = session.request({
    ":method": "POST",
    ":path": method.path,
    "content-type": "application/grpc",
    te: "trailers",
    authorization: `Bearer ${token}`,
  });
  stream.on("error", () => undefined);
  stream.end(frame);
  stream.pause();
  const ended = new Promise<{ status: string | undefined; message: string | undefined }>((resolve) => {
    let headers: http2.IncomingHttpHeaders = {};
    stream.on("response", (h) => (headers = h));
    stream.on("trailers", (t) => resolve({ status: String(t["grpc-status"]), message: t["grpc-message"] ? decodeURIComponent(String(t["grpc-message"])) : undefined }));
    stream.on("close", () =>
      resolve({ status: headers["grpc-status"] === undefined ? `rst:${stream.rstCode}` : String(headers["grpc-status"]), message: headers["grpc-message"] as string | undefined }),
    );
  });
  return { ended, close: () => session.destroy() };
}
