/**
 * GitLab's Notes API for merge requests, as `gitops-agent preview --mr-note`
 * uses it: POST /api/v4/projects/:id/merge_requests/:iid/notes with a
 * PRIVATE-TOKEN header and a JSON {body}; 401 without a known token, 404 for
 * another path. Notes are kept for the test to read.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeNote {
  readonly projectId: string;
  readonly mergeRequestIid: string;
  readonly body: string;
}

export interface FakeGitLabNotes {
  /** $CI_API_V4_URL: http://127.0.0.1:<port>/api/v4. */
  readonly apiUrl: string;
  readonly notes: FakeNote[];
  close(): Promise<void>;
}

const NOTES = /^\/api\/v4\/projects\/([^/]+)\/merge_requests\/(\d+)\/notes$/;

export async function startFakeGitLabNotes(token: string): Promise<FakeGitLabNotes> {
  const notes: FakeNote[] = [];
  const answer = (res: http.ServerResponse, status: number, body: unknown): void => void res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const m = NOTES.exec(req.url ?? "");
      if (req.method !== "POST" || m === null) return answer(res, 404, { message: "404 Not Found" });
      if (req.headers["private-token"] !== token) return answer(res, 401, { message: "401 Unauthorized" });
      let body: unknown;
      try {
        body = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { body?: unknown }).body;
      } catch {
        body = undefined;
      }
      if (typeof body !== "string" || body === "") return answer(res, 400, { message: "body is missing" });
      notes.push({ projectId: decodeURIComponent(m[1]!), mergeRequestIid: m[2]!, body });
      answer(res, 201, { id: notes.length, body });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    apiUrl: `http://127.0.0.1:${port}/api/v4`,
    notes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
