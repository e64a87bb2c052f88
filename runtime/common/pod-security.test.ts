import { podSecurityLabels } from "./pod-security";

test.each(["restricted", "baseline", "privileged"] as const)("podSecurityLabels(%s): enforce, warn and audit at that level, each against the latest policy", (level) => {
  expect(podSecurityLabels(level)).toEqual({
    "pod-security.kubernetes.io/enforce": level,
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/warn": level,
    "pod-security.kubernetes.io/warn-version": "latest",
    "pod-security.kubernetes.io/audit": level,
    "pod-security.kubernetes.io/audit-version": "latest",
  });
});
