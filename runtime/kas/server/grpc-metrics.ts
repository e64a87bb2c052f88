import * as grpc from "@grpc/grpc-js";
import { grpcCallCounters, grpcCallLabels, type Metrics } from "../../common";

/**
 * Counts every call kas serves: started when it arrives, handled with the
 * status kas sends, or Canceled when the client goes away first (a stream
 * cut by the network never gets a status from kas).
 */
export function grpcServerMetrics(metrics: Metrics): grpc.ServerInterceptor {
  const counters = grpcCallCounters(metrics, "server");
  return (method, call) => {
    const labels = grpcCallLabels(method.path, method.requestStream, method.responseStream);
    counters.started(labels);
    let done = false;
    const handled = (code: number): void => {
      if (done) return;
      done = true;
      counters.handled(labels, code);
    };
    return new grpc.ServerInterceptingCall(call, {
      start: (next) => next({ onCancel: () => handled(grpc.status.CANCELLED) }),
      sendStatus: (status, next) => {
        handled(status.code);
        next(status);
      },
    });
  };
}
