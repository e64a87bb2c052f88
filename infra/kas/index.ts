export { Kas, kasGitSecretName, type KasArgs, type KasCreatedCredentials, type KasKubernetesApi, type KasProjectArg } from "./kas";
export { renderKasConfig, KAS_PORTS, type KasHttpAccess, type KasProject } from "./kas-config";
