/**
 * Tunnel requests agentk answers itself (paths under AGENTK_OWN_PREFIX): never
 * forwarded to the apiserver. PREVIEW_PATH takes a PreviewRequest (a body of
 * at most PREVIEW_MAX_REQUEST_BYTES) and answers the handler's JSON; anything
 * else there is a 404 in words.
 */
import { once } from "node:events";
import { isAgentkOwnPath, PREVIEW_MAX_REQUEST_BYTES, PREVIEW_PATH, TUNNEL_CHUNK_BYTES, parsePreviewRequest, type PreviewRefusal, type PreviewRequest, type PreviewResult, type TunnelDown, type TunnelRequestHead, type TunnelUp } from "../../rpc";
import type { TunnelStream } from "./serve";

/** A preview's answer: 200 with the result, or a status with the refusal in words. */
export type PreviewAnswer = { readonly status: 200; readonly body: PreviewResult } | { readonly status: number; readonly body: PreviewRefusal };

export type PreviewHandler = (request: PreviewRequest, signal: AbortSignal) => Promise<PreviewAnswer>;

/** Whether agentk answers `path` itself. */
export const isOwnPath = isAgentkOwnPath;

/** Serves a request to one of agentk's own paths; resolves when it is over, however it ended. */
export async function serveOwn(call: TunnelStream, messages: AsyncIterator<TunnelDown>, head: TunnelRequestHead, preview: PreviewHandler | undefined): Promise<void> {
  const abort = new AbortController();
  const onGone = (): void => abort.abort();
  call.on("error", onGone);
  try {
    const answer = await answerOwn(messages, head, preview, abort.signal);
    const body = Buffer.from(JSON.stringify(answer.body));
    const send = async (msg: TunnelUp): Promise<void> => {
      if (!call.write(msg)) await once(call, "drain", { signal: abort.signal });
    };
    await send({ message: "response_head", response_head: { status: answer.status, headers: [{ name: "content-type", values: ["application/json"] }, { name: "content-length", values: [String(body.length)] }] } });
    for (let off = 0; off < body.length; off += TUNNEL_CHUNK_BYTES) await send({ message: "data", data: { data: body.subarray(off, off + TUNNEL_CHUNK_BYTES) } });
    await send({ message: "end", end: {} });
    call.end();
  } catch (err) {
    if (abort.signal.aborted) return;
    call.write({ message: "error", error: { message: err instanceof Error ? err.message : String(err) } });
    call.end();
  } finally {
    abort.abort();
    call.off("error", onGone);
  }
}

const refuse = (status: number, refused: string): PreviewAnswer => ({ status, body: { refused } });

async function answerOwn(messages: AsyncIterator<TunnelDown>, head: TunnelRequestHead, preview: PreviewHandler | undefined, signal: AbortSignal): Promise<PreviewAnswer> {
  const path = head.path.split("?")[0] ?? "";
  if (path !== PREVIEW_PATH) return refuse(404, `agentk serves no ${path}`);
  // kas asks for previews as the agent itself; an identity means the request did not come from kas's preview endpoint.
  if (head.identity && head.identity.user !== "") return refuse(403, "a preview runs as the agent's ServiceAccount; this request names another identity");
  if (preview === undefined) return refuse(501, "this agentk does not serve previews");
  if (head.method !== "POST") return refuse(405, `${PREVIEW_PATH} answers POST only`);
  const body = await readBody(messages, PREVIEW_MAX_REQUEST_BYTES);
  if (body === undefined) return refuse(413, `the preview request is over ${PREVIEW_MAX_REQUEST_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    return refuse(400, "the preview request is not JSON");
  }
  const request = parsePreviewRequest(json);
  if (!request.ok) return refuse(400, request.reason);
  return preview(request.value, signal);
}

/** kas's request body, or undefined once it passes `max` bytes. */
async function readBody(messages: AsyncIterator<TunnelDown>, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    const next = await messages.next();
    if (next.done || next.value.message === "end") return Buffer.concat(chunks);
    if (next.value.message !== "data") throw new Error(`unexpected ${next.value.message} from kas in the middle of a request`);
    size += next.value.data.data.length;
    if (size > max) return undefined;
    chunks.push(next.value.data.data);
  }
}
