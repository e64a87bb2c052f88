export { ensureRuntimeImage, imageCommand, type RuntimeImage } from "./runtime-image";
export { ensureNodeLts } from "./node-lts";
