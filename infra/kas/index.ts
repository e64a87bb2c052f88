export { Kas, type KasArgs } from "./kas";
export { renderKasConfig, KAS_PORTS, type KasHttpAccess, type KasProject } from "./kas-config";
