/**
 * Why a worker syncs. The objects stream, the re-apply timer and the drift
 * watcher produce these; the queue decides by kind, never by log text.
 */
export type SyncReason =
  | { readonly kind: "new-commit" }
  | { readonly kind: "periodic" }
  | { readonly kind: "drift"; readonly change: string };

/** Only a newer commit cancels the apply in progress; a re-apply waits its turn. */
export function cancelsCurrentSync(reason: SyncReason): boolean {
  return reason.kind === "new-commit";
}

/** The reason as logs show it ("Sync starting", field message). */
export function describeReason(reason: SyncReason): string {
  switch (reason.kind) {
    case "new-commit":
      return "new commit";
    case "periodic":
      return "periodic re-apply";
    case "drift":
      return `drift: ${reason.change}`;
  }
}
