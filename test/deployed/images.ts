/**
 * Images as the runner plays them: host files placed at their paths in the
 * image, and the image's config (what `docker inspect` shows: Env, WorkingDir,
 * User, Entrypoint, Cmd). Our own image comes from test/image and the
 * Dockerfile; another image (such as Redis) is described by whoever maps it.
 */
import { IMAGE_APP_DIR, IMAGE_ENTRYPOINT } from "../../runtime/common/deploy";
import type { RuntimeImage } from "../image";
import { imageConfig } from "./image-config";

/** Where the image keeps node (the official node image). */
const IMAGE_NODE = "/usr/local/bin/node";

export interface LocalImage {
  /** Path in the image -> the host file or folder that plays it (a bind mount; read-only with a read-only root). */
  readonly files: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string>>;
  readonly workingDir: string;
  readonly user: { readonly uid: number; readonly gid: number };
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
}

/** What runDeployment's `images` map to: our image as test/image builds it, or a described one. */
export type RunnerImage = RuntimeImage | LocalImage;

export function localImage(image: RunnerImage): LocalImage {
  if ("files" in image) return image;
  const config = imageConfig();
  // The Dockerfile has no CMD: the entrypoint takes the container's args.
  return { files: { [IMAGE_APP_DIR]: image.appDir, [IMAGE_NODE]: image.node }, ...config, entrypoint: IMAGE_ENTRYPOINT, cmd: [] };
}

/** The process's argv as the kubelet builds it: `command` replaces the ENTRYPOINT (and its CMD), `args` replace the CMD. */
export function containerArgv(image: LocalImage, command: readonly string[] | undefined, args: readonly string[] | undefined): string[] {
  if (command && command.length > 0) return [...command, ...(args ?? [])];
  return [...image.entrypoint, ...(args && args.length > 0 ? args : image.cmd)];
}
