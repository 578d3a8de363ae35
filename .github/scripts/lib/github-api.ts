/**
 * The few GitHub REST calls the workflows need, with fetch and nothing else (this runs where
 * `pnpm install` may have failed). Any status >= 300 throws with the call and GitHub's message.
 */
export interface GitHub {
  /** owner/name */
  repository: string;
  token: string;
  /** https://api.github.com, or a test server */
  apiUrl: string;
}

/** The workflow run a comment or issue links to. */
export interface RunInfo {
  /** Link to the workflow run. */
  runUrl: string;
  sha: string;
}

interface Comment {
  id: number;
  body?: string;
  user?: { login?: string };
}

/** The fields of a GitHub issue the scripts read. */
export interface Issue {
  number: number;
  title: string;
  pull_request?: unknown;
}

/** One REST call; any status >= 300 throws with the method, path, status and GitHub's message. */
export async function call<T>(gh: GitHub, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${gh.apiUrl.replace(/\/+$/, "")}${path}`, {
    method,
    headers: {
      accept: "application/vnd.github+json",
      authorization: `Bearer ${gh.token}`,
      "x-github-api-version": "2022-11-28",
      "user-agent": "comments-platform-workflows",
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (response.status >= 300) {
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {}
    throw new Error(`GitHub ${method} ${path} answered ${response.status}: ${message}`);
  }
  return (text === "" ? undefined : JSON.parse(text)) as T;
}

/** Every page of a list endpoint (100 per page). */
export async function listAll<T>(gh: GitHub, path: string): Promise<T[]> {
  const all: T[] = [];
  const separator = path.includes("?") ? "&" : "?";
  for (let page = 1; ; page++) {
    const items = await call<T[]>(gh, "GET", `${path}${separator}per_page=100&page=${page}`);
    all.push(...items);
    if (items.length < 100) return all;
  }
}

/** What happened to a status comment: created, edited in place, or left as it was. */
export type CommentAction = "created" | "updated" | "none";

/** The comments on an issue or PR that `author` wrote and that hold `marker`, across every page. */
export async function ownComments(
  gh: GitHub,
  issue: number,
  marker: string,
  author: string,
): Promise<Comment[]> {
  const comments = await listAll<Comment>(gh, `/repos/${gh.repository}/issues/${issue}/comments`);
  return comments.filter(
    (comment) => comment.user?.login === author && comment.body?.includes(marker) === true,
  );
}

/** Edits `author`'s comment holding `marker` (only ones this workflow wrote), or creates one. */
export async function upsertOwnComment(
  gh: GitHub,
  issue: number,
  marker: string,
  body: string,
  author: string,
): Promise<CommentAction> {
  const [existing] = await ownComments(gh, issue, marker, author);
  if (existing !== undefined) {
    await call(gh, "PATCH", `/repos/${gh.repository}/issues/comments/${existing.id}`, { body });
    return "updated";
  }
  await call(gh, "POST", `/repos/${gh.repository}/issues/${issue}/comments`, { body });
  return "created";
}

/** Edits the comment holding `marker`, or creates one when `create` is true. */
export async function upsertComment(
  gh: GitHub,
  issue: number,
  marker: string,
  body: string,
  create: boolean,
): Promise<CommentAction> {
  const comments = await listAll<Comment>(gh, `/repos/${gh.repository}/issues/${issue}/comments`);
  const existing = comments.find((comment) => comment.body?.includes(marker));
  if (existing !== undefined) {
    await call(gh, "PATCH", `/repos/${gh.repository}/issues/comments/${existing.id}`, { body });
    return "updated";
  }
  if (!create) return "none";
  await call(gh, "POST", `/repos/${gh.repository}/issues/${issue}/comments`, { body });
  return "created";
}
