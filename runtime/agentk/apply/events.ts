import { F, type Logger } from "../../common";
import type { ObjectResult, ObjRef } from "../plan";

/**
 * One `"eventType":"resourceStatus"` line per object event, in the seed's
 * shape. The text is the line's msg and only that: a Forbidden cause runs to
 * ~450 characters, and a `message` field repeating it doubled every line.
 */
export function logResourceStatus(logger: Logger, ref: ObjRef, status: string, message: string): void {
  const fields = {
    [F.eventType]: "resourceStatus",
    [F.group]: ref.group,
    [F.kind]: ref.kind,
    [F.name]: ref.name,
    [F.namespace]: ref.namespace,
    [F.status]: status,
  };
  if (/Failed|Timeout/.test(status)) logger.warn(message, fields);
  else logger.info(message, fields);
}

export function result(ref: ObjRef, status: ObjectResult["status"], message: string, logger: Logger): ObjectResult {
  logResourceStatus(logger, ref, status, message);
  return { ref, status, message };
}
