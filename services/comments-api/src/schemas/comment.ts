/**
 * The comments API's input rules, as pure functions: what the original Flask app accepted, minus what
 * made it crash or store garbage. Every limit here is documented in docs/api.md.
 */

import { createHash } from "node:crypto";

/** Longest comment, in UTF-16 code units (JavaScript string length). @default 4000 */
export const MAX_COMMENT_LENGTH = 4000;
/** Longest email (RFC 5321's path limit). */
export const MAX_EMAIL_LENGTH = 254;
/** Longest string `content_id`. */
export const MAX_CONTENT_ID_LENGTH = 128;
/**
 * Request bodies larger than this get 413. Sized from the encoded maximum, not the characters: a
 * client may escape every character as `\uXXXX` (6 bytes for one UTF-16 code unit, 12 for a
 * surrogate pair), so the longest valid body is 6 bytes per code unit of the three fields plus the
 * JSON around them. Lengths are checked in characters after parsing. @default 32768
 */
export const BODY_LIMIT_BYTES = 32 * 1024;
/** The encoded size the body limit must hold: every code unit of every field escaped, plus 1 KiB of JSON. */
export const LONGEST_VALID_BODY_BYTES =
  6 * (MAX_COMMENT_LENGTH + MAX_EMAIL_LENGTH + MAX_CONTENT_ID_LENGTH) + 1024;
/** Comments returned per list page when the client pages (`?after=`) without a `limit`. */
export const DEFAULT_PAGE_SIZE = 1000;
/** Most comments one list request returns. */
export const MAX_PAGE_SIZE = 1000;

const CONTENT_ID_PATTERN = /^[A-Za-z0-9_.:-]+$/;
// Plausible, not RFC 5322: one @, no spaces, a dot in the domain. Deliverability is not ours to check.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** One thing wrong with one field of the input. */
export interface FieldProblem {
  field: string;
  problem: string;
}

/** A parsed value, or every problem found. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: FieldProblem[] };

/** A new comment, checked. */
export interface NewComment {
  email: string;
  comment: string;
  /** Canonical form: integers become their decimal string, so `1` and `"1"` are the same content. */
  contentId: string;
}

const CONTENT_ID_RULE = `a non-negative integer or a string of 1 to ${MAX_CONTENT_ID_LENGTH} letters, digits, '_', '.', ':' or '-'`;

/** Canonical `content_id` from a JSON value or a path segment, or why it is not one. */
export function parseContentId(value: unknown): Parsed<string> {
  if (typeof value === "number") {
    if (Number.isSafeInteger(value) && value >= 0) return { ok: true, value: String(value) };
    return { ok: false, problems: [{ field: "content_id", problem: `must be ${CONTENT_ID_RULE}` }] };
  }
  if (typeof value !== "string") {
    return {
      ok: false,
      problems: [
        {
          field: "content_id",
          problem: value === undefined ? "is required" : `must be ${CONTENT_ID_RULE}`,
        },
      ],
    };
  }
  if (value.length === 0 || value.length > MAX_CONTENT_ID_LENGTH || !CONTENT_ID_PATTERN.test(value)) {
    return { ok: false, problems: [{ field: "content_id", problem: `must be ${CONTENT_ID_RULE}` }] };
  }
  if (DOT_SEGMENTS.has(value)) {
    return {
      ok: false,
      problems: [
        {
          field: "content_id",
          problem: `must not be "${value}": clients remove it from /api/comment/list/${value} before sending, so its comments could never be read`,
        },
      ],
    };
  }
  return { ok: true, value };
}

/**
 * Path segments a URL's reference resolution removes (RFC 3986 §5.2.4, "Remove Dot Segments";
 * https://www.rfc-editor.org/rfc/rfc3986#section-5.2.4): browsers, fetch and curl turn
 * `/api/comment/list/..` into `/api/comment/`, so a content with that id could not be listed.
 */
const DOT_SEGMENTS: ReadonlySet<string> = new Set([".", ".."]);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Characters no comment, email or content id may hold: NUL (PostgreSQL's text cannot store it, and
 * it was answered as a database outage) and unpaired surrogates (not text at all; they would be
 * stored as U+FFFD). Both are the client's error: 400 naming the field.
 */
export function badCharacters(value: string): string | undefined {
  if (value.includes("\u0000")) return "must not contain the NUL character (\\u0000)";
  if (LONE_SURROGATE.test(value))
    return "must not contain an unpaired surrogate (like \\ud800 alone): it is not valid Unicode text";
  return undefined;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

/**
 * What an Idempotency-Key is bound to: a SHA-256 over the parsed comment, so the same comment sent
 * again with its keys in another order, other whitespace, extra fields, or `content_id` 77 as "77"
 * is the same request (draft-ietf-httpapi-idempotency-key-header leaves the fingerprint to the
 * server: https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/).
 */
export function requestFingerprint(comment: NewComment): string {
  return createHash("sha256")
    .update(JSON.stringify([comment.contentId, comment.email, comment.comment]))
    .digest("hex");
}

/** Validates a `POST /api/comment/new` body, reporting every field's problem at once. */
export function parseNewComment(body: unknown): Parsed<NewComment> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return {
      ok: false,
      problems: [
        {
          field: "body",
          problem: `must be a JSON object with email, comment and content_id, got ${describe(body)}`,
        },
      ],
    };
  }
  const record = body as Record<string, unknown>;
  const problems: FieldProblem[] = [];

  const { email, comment } = record;
  if (email === undefined) problems.push({ field: "email", problem: "is required" });
  else if (typeof email !== "string")
    problems.push({ field: "email", problem: `must be a string, got ${describe(email)}` });
  else if (badCharacters(email) !== undefined)
    problems.push({ field: "email", problem: badCharacters(email) as string });
  else if (email.length > MAX_EMAIL_LENGTH)
    problems.push({ field: "email", problem: `must be at most ${MAX_EMAIL_LENGTH} characters` });
  else if (!EMAIL_PATTERN.test(email))
    problems.push({ field: "email", problem: "must be an email address like name@example.com" });

  if (comment === undefined) problems.push({ field: "comment", problem: "is required" });
  else if (typeof comment !== "string")
    problems.push({ field: "comment", problem: `must be a string, got ${describe(comment)}` });
  else if (badCharacters(comment) !== undefined)
    problems.push({ field: "comment", problem: badCharacters(comment) as string });
  else if (comment.trim().length === 0) problems.push({ field: "comment", problem: "must not be empty" });
  else if (comment.length > MAX_COMMENT_LENGTH)
    problems.push({
      field: "comment",
      problem: `must be at most ${MAX_COMMENT_LENGTH} characters, got ${comment.length}`,
    });

  const contentId = parseContentId(record.content_id);
  if (!contentId.ok) problems.push(...contentId.problems);

  if (problems.length > 0 || !contentId.ok) return { ok: false, problems };
  return {
    ok: true,
    value: { email: email as string, comment: comment as string, contentId: contentId.value },
  };
}

/** A list request's paging, checked. */
export interface ListQuery {
  /** Whether the client asked for a page (`limit` or `after`); without either, the list is whole. */
  paged: boolean;
  limit: number;
  /** Comments after this cursor (exclusive); `undefined` starts at the first comment. */
  after: bigint | undefined;
}

/** Validates the optional `limit` and `after` query parameters of the list endpoint. */
export function parseListQuery(query: Readonly<Record<string, unknown>>): Parsed<ListQuery> {
  const problems: FieldProblem[] = [];
  let limit = DEFAULT_PAGE_SIZE;
  let after: bigint | undefined;
  const rawLimit = query.limit;
  if (rawLimit !== undefined) {
    if (
      typeof rawLimit !== "string" ||
      !/^\d{1,7}$/.test(rawLimit) ||
      Number(rawLimit) < 1 ||
      Number(rawLimit) > MAX_PAGE_SIZE
    ) {
      problems.push({ field: "limit", problem: `must be an integer from 1 to ${MAX_PAGE_SIZE}` });
    } else limit = Number(rawLimit);
  }
  const rawAfter = query.after;
  if (rawAfter !== undefined) {
    if (typeof rawAfter !== "string" || !/^\d{1,18}$/.test(rawAfter)) {
      problems.push({
        field: "after",
        problem: "must be the cursor from a previous page's Link header",
      });
    } else after = BigInt(rawAfter);
  }
  const paged = rawLimit !== undefined || rawAfter !== undefined;
  return problems.length === 0 ? { ok: true, value: { paged, limit, after } } : { ok: false, problems };
}

/** The error body's message: `field: problem` pairs, joined. */
export function describeProblems(problems: readonly FieldProblem[]): string {
  return problems.map((p) => `${p.field}: ${p.problem}`).join("; ");
}
