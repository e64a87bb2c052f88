/** A real redis-server for tests (kas replicas sharing state). */
export { startTestRedis, redisServerBinary, type TestRedis, type TestRedisOptions } from "./server";
