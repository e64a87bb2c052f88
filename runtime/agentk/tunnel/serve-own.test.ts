import { EventEmitter } from "node:events";
import { PREVIEW_MAX_REQUEST_BYTES, PREVIEW_PATH, type PreviewResult, type TunnelDown, type TunnelRequestHead, type TunnelUp } from "../../rpc";
import { serveOwn, type PreviewHandler } from "./serve-own";
import type { TunnelStream } from "./serve";

/** A tunnel stream that records what agentk sends. */
function stream(): { call: TunnelStream; sent: TunnelUp[] } {
  const sent: TunnelUp[] = [];
  const call = Object.assign(new EventEmitter(), { write: (m: TunnelUp) => (sent.push(m), true), end: () => undefined, cancel: () => undefined });
  return { call: call as unknown as TunnelStream, sent };
}

async function* from(messages: TunnelDown[]): AsyncGenerator<TunnelDown> {
  yield* messages;
}

const head = (over: Partial<TunnelRequestHead> = {}): TunnelRequestHead => ({ method: "POST", path: PREVIEW_PATH, headers: [], identity: null, ...over });
const data = (b: Buffer | string): TunnelDown => ({ message: "data", data: { data: Buffer.from(b) } });
const END: TunnelDown = { message: "end", end: {} };
const RESULT: PreviewResult = { project_id: "g/p", commit_id: "c", objects: [], prune: { enabled: true, objects: [] }, rbac: [] };

async function serve(h: TunnelRequestHead, body: TunnelDown[], handler?: PreviewHandler): Promise<{ status: number; json: unknown }> {
  const { call, sent } = stream();
  await serveOwn(call, from(body), h, handler);
  const first = sent[0];
  if (first?.message !== "response_head") throw new Error(`expected a response head, got ${JSON.stringify(first)}`);
  const bytes = Buffer.concat(sent.flatMap((m) => (m.message === "data" ? [m.data.data] : [])));
  expect(sent.at(-1)).toEqual({ message: "end", end: {} });
  return { status: first.response_head.status, json: JSON.parse(bytes.toString("utf8")) };
}

describe("agentk's own tunnel paths", () => {
  const handler: PreviewHandler = async (req) => ({ status: 200, body: { ...RESULT, project_id: req.project_id } });

  test("a preview request: the handler's answer, as JSON", async () => {
    const body = JSON.stringify({ project_id: "g/x", commit_id: "c", files: [] });
    expect(await serve(head(), [data(body.slice(0, 5)), data(body.slice(5)), END], handler)).toEqual({ status: 200, json: { ...RESULT, project_id: "g/x" } });
  });

  test.each<[string, TunnelRequestHead, TunnelDown[], PreviewHandler | undefined, number, string]>([
    ["another own path", head({ path: "/.agentk/v1/exec" }), [END], handler, 404, "agentk serves no /.agentk/v1/exec"],
    ["no handler", head(), [END], undefined, 501, "this agentk does not serve previews"],
    ["a GET", head({ method: "GET" }), [END], handler, 405, `${PREVIEW_PATH} answers POST only`],
    ["an identity", head({ identity: { user: "alice", groups: [], uid: "", extra: [] } }), [END], handler, 403, "a preview runs as the agent's ServiceAccount; this request names another identity"],
    ["not JSON", head(), [data("{"), END], handler, 400, "the preview request is not JSON"],
    ["a field missing", head(), [data('{"project_id":"g/p","files":[]}'), END], handler, 400, "preview request: body.commit_id: expected a string, got undefined"],
    ["too large", head(), [data(Buffer.alloc(PREVIEW_MAX_REQUEST_BYTES + 1)), END], handler, 413, `the preview request is over ${PREVIEW_MAX_REQUEST_BYTES} bytes`],
  ])("%s: refused in words", async (_name, h, body, hd, status, refused) => {
    expect(await serve(h, body, hd)).toEqual({ status, json: { refused } });
  });
});
