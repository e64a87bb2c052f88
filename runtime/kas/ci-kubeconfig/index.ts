/** `gitops-agent kubeconfig` / `kas kubeconfig`: a CI job's kubeconfig from kas's allowed_agents answer. */
export { kubeconfigMain } from "./main";
export { kubeconfigCommand, kubeconfigFlags, checkTokenEnv, DEFAULT_TOKEN_ENV, type KubeconfigOptions } from "./flags";
export { readCaFile } from "./ca-file";
export { fetchAllowedAgents, allowedAgentsUrl, type AllowedAgents, type FetchOptions } from "./fetch";
export { kasRequest, kasJson, kasRefusal, kasUrl, type KasRequest, type KasAnswer } from "./kas-request";
export { chooseAgent, isAgentId, resolveAgent, type ChosenAgent } from "./choose-agent";
export { startCiCommand, type CiCommandOptions, type CiCommandStart } from "./ci-command";
