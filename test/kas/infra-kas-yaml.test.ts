/** The kas.yaml that infra/kas renders is one kas accepts, for every combination of HTTP credentials (infra may not import runtime code, so this lives here). */
import { renderKasConfig, type KasHttpAccess } from "../../infra/kas";
import { isLoopbackAddress } from "../../runtime/kas/config";
import { parseKasConfig } from "../../runtime/kas";
import { WEBHOOK_PATH } from "../../runtime/kas/server/push-webhook";
import { kasWebhookUrl } from "../../infra/stack-kas";

test("the webhook URL the stack registers in GitLab (kas.publicUrl) ends in the path kas serves", () => {
  expect(kasWebhookUrl("https://kas.example.com/")).toBe(`https://kas.example.com${WEBHOOK_PATH}`);
});

test.each<[KasHttpAccess, { url: string } | undefined]>([
  [{}, undefined],
  [{ apiTokenFile: "/etc/kas/http/api-token" }, undefined],
  [{ webhookSecretFile: "/etc/kas/http/webhook-secret" }, { url: "https://gitlab.example" }],
  [{ apiTokenFile: "/etc/kas/http/api-token", webhookSecretFile: "/etc/kas/http/webhook-secret" }, { url: "https://gitlab.example" }],
])("access %j (gitlab %j): kas accepts the rendered kas.yaml", (access, gitlab) => {
  const config = parseKasConfig(renderKasConfig([{ id: "g/p", url: "https://git.example/g/p.git" }], gitlab, access), "/etc/kas/kas.yaml");
  expect(config.api?.tokenFile).toBe(access.apiTokenFile);
  expect(config.webhook?.secretFile).toBe(access.webhookSecretFile);
  expect(isLoopbackAddress(config.listen.api!)).toBe(access.apiTokenFile === undefined);
  expect(config.listen.webhook !== undefined).toBe(access.webhookSecretFile !== undefined);
});
