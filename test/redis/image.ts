/**
 * The Redis image infra's in-cluster Redis runs (redis:7.2-alpine), as
 * test/deployed plays it: Debian's redis-server at the image's path
 * /usr/local/bin/redis-server, and the image's config as `docker inspect`
 * shows it. Its docker-entrypoint.sh is not played: a container that relies
 * on the ENTRYPOINT fails to start here ("not found"), visibly.
 * Debian's redis-server is 7.0, the image's 7.2: the config infra writes
 * (requirepass, port, save, appendonly, dir) means the same in both.
 */
import type { LocalImage } from "../deployed";
import { redisServerBinary } from "./server";

export function redisImage(): LocalImage {
  return {
    files: { "/usr/local/bin/redis-server": redisServerBinary() },
    // Alpine's PATH; the image also sets REDIS_VERSION and download details, which redis-server does not read.
    env: { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
    workingDir: "/data",
    // No USER: root, until its entrypoint drops to the redis user (uid 999).
    user: { uid: 0, gid: 0 },
    entrypoint: ["docker-entrypoint.sh"],
    cmd: ["redis-server"],
  };
}
