/**
 * The name rules configs share, written once: a Kubernetes namespace, an agent
 * name and an object name are checked by the same expression everywhere
 * (kas's agent config and registry file, the stack config, the Pulumi components).
 */

/** RFC 1123 label (a namespace, a ServiceAccount, a GitLab agent name): at most 63 characters. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
export const DNS_LABEL_RULE = "lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters";

/** RFC 1123 subdomain (an object name, an API group): dot-separated labels, at most 253 characters. */
export const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const isDnsLabel = (value: unknown): value is string => typeof value === "string" && DNS_LABEL.test(value);
export const isDnsSubdomain = (value: unknown): value is string => typeof value === "string" && DNS_SUBDOMAIN.test(value);
