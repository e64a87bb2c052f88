/** The Pulumi program (Pulumi.yaml: main infra/): stack config in, everything the agent needs out. */
import { stackProgram } from "./program";

const outputs = stackProgram();

export const kubeconfig = outputs.kubeconfig;
export const agentId = outputs.agentId;
/** Secret: `pulumi stack output agentToken --show-secrets` when you need it. */
export const agentToken = outputs.agentToken;
export const kasAddress = outputs.kasAddress;
export const namespaces = outputs.namespaces;
