/** What computeStatus returns, and the helpers every kind rule uses. */
import { isRecord, stringAt, valueAt, type UnknownRecord } from "./fields";

export type KStatus = "Current" | "InProgress" | "Failed" | "Unknown" | "Terminating";

export interface StatusResult {
  readonly status: KStatus;
  readonly message: string;
}

export interface StatusOptions {
  /** Milliseconds since the epoch; see computeStatus. */
  readonly now?: number;
}

export type KindRule = (live: UnknownRecord, options: StatusOptions) => StatusResult;

export const current = (message: string): StatusResult => ({ status: "Current", message });
export const inProgress = (message: string): StatusResult => ({ status: "InProgress", message });
export const failed = (message: string): StatusResult => ({ status: "Failed", message });

export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
}

/** status.conditions, malformed entries left out. */
export function conditionsOf(live: unknown): Condition[] {
  const list = valueAt(live, ["status", "conditions"]);
  if (!Array.isArray(list)) return [];
  return list.filter(isRecord).map((c) => ({
    type: stringAt(c, ["type"], ""),
    status: stringAt(c, ["status"], ""),
    reason: stringAt(c, ["reason"], ""),
    message: stringAt(c, ["message"], ""),
  }));
}

export const hasCondition = (live: unknown, type: string, status: string): boolean =>
  conditionsOf(live).some((c) => c.type === type && c.status === status);
