/** A real redis-server for tests (kas replicas sharing state), and the Redis image as test/deployed runs it. */
export { startTestRedis, redisServerBinary, type TestRedis, type TestRedisOptions } from "./server";
export { redisImage } from "./image";
