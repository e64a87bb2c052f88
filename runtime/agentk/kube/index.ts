export { KubeClient, type RequestOptions, type RequestCounts } from "./client";
export { Discovery, resourcePath, splitGroupVersion, type ResourceInfo } from "./discovery";
export { KubeApiError, isNotFound, isConflict } from "./errors";
