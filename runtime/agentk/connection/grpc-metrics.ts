import * as grpc from "@grpc/grpc-js";
import { grpcCallCounters, grpcCallLabels, type Metrics } from "../../common";

/** Counts every call agentk makes to kas: started, and handled with the status it ended with. */
export function grpcClientMetrics(metrics: Metrics): grpc.Interceptor {
  const counters = grpcCallCounters(metrics, "client");
  return (options, nextCall) => {
    const def = options.method_definition;
    const labels = grpcCallLabels(def.path, def.requestStream, def.responseStream);
    counters.started(labels);
    return new grpc.InterceptingCall(nextCall(options), {
      start: (metadata, listener, next) =>
        next(metadata, {
          onReceiveStatus: (status, nextStatus) => {
            counters.handled(labels, status.code);
            nextStatus(status);
          },
        }),
    });
  };
}
