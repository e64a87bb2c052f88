export { connectTarget, readCaCert, type KasTarget, type TransportOptions } from "./transport";
