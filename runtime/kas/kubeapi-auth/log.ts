/**
 * The one way the Kubernetes API proxy logs a refused credential: the agent,
 * the reason, and the credential's fingerprint (to correlate lines), never
 * the credential. Reasons from this module never quote a token.
 */
import { F, type Logger } from "../../common";
import { credentialFingerprint } from "./credential-cache";

export function logDenial(log: Logger, denial: { readonly agentId?: string; readonly token?: string; readonly reason: string }): void {
  log.info("Kubernetes API request refused", {
    [F.reason]: denial.reason,
    ...(denial.agentId === undefined ? {} : { [F.agentId]: denial.agentId }),
    ...(denial.token === undefined ? {} : { [F.key]: credentialFingerprint(denial.token) }),
  });
}
