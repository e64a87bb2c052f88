import type * as grpc from "@grpc/grpc-js";
import type { AgentIdentity } from "./access";
import { admitStream, authenticate } from "./admission";
import type { ServerContext } from "./context";
import { failStream, streamLife, toServiceError, type StreamLife } from "./errors";

/** A server stream's work, run only once its agent is authenticated and admitted. */
export type AgentStreamHandler<Req, Res> = (call: grpc.ServerWritableStream<Req, Res>, agent: AgentIdentity, life: StreamLife) => Promise<void>;

/** A unary call's work, run only once its agent is authenticated; resolves the response. */
export type AgentUnaryHandler<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, agent: AgentIdentity) => Promise<Res>;

/**
 * Every RPC of kas goes through one of these two: the one place that
 * authenticates (and audits a refusal), so no handler can forget it. A
 * wrapper rather than a grpc-js server interceptor because the handler needs
 * the agent the token belongs to, which an interceptor cannot hand over.
 * Whatever the work throws, or lets escape later (kas stopping under it,
 * say), becomes the call's status, never an unhandled rejection.
 */
export function agentStream<Req, Res>(ctx: ServerContext, method: string, serve: AgentStreamHandler<Req, Res>): grpc.handleServerStreamingCall<Req, Res> {
  return admitted(ctx, method, serve);
}

/** A bidirectional stream's work (the reverse tunnel), admitted as every other stream. */
export function agentBidi<Req, Res>(
  ctx: ServerContext,
  method: string,
  serve: (call: grpc.ServerDuplexStream<Req, Res>, agent: AgentIdentity, life: StreamLife) => Promise<void>,
): grpc.handleBidiStreamingCall<Req, Res> {
  return admitted(ctx, method, serve);
}

type AdmittedCall = Parameters<typeof admitStream>[1] & Parameters<typeof streamLife>[0];

function admitted<C extends AdmittedCall>(ctx: ServerContext, method: string, serve: (call: C, agent: AgentIdentity, life: StreamLife) => Promise<void>): (call: C) => void {
  return (call) => {
    // Before the first await: a stream cancelled while it authenticates must still be cleaned up.
    const life = streamLife(call);
    admitStream(ctx, call, life, method)
      .then((agent) => (agent === undefined ? undefined : serve(call, agent, life)))
      .catch((err: unknown) => failStream(call, err));
  };
}

export function agentUnary<Req, Res>(ctx: ServerContext, method: string, handle: AgentUnaryHandler<Req, Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    authenticate(ctx, call, method)
      .then(({ agent }) => handle(call, agent))
      .then(
        (response) => callback(null, response),
        (err: unknown) => callback(toServiceError(err)),
      );
  };
}
