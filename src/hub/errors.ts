/**
 * Turns Hub failures into messages that say what happened and what to do.
 * The token never appears: Hub messages do not echo it, and anything shaped
 * like a token is redacted anyway.
 */
import { HubApiError } from "@huggingface/hub";

export interface ErrorContext {
  repo: string;
  endpoint: string;
  /** What the action was doing, e.g. "committing". */
  action: string;
  createPr?: boolean;
}

/** A failure talking to the Hub, already explained for humans (what happened, what to do). */
export class HubError extends Error {
  override name = "HubError";
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** A request that got no answer: the connection failed, or the request timed out. */
export class NetworkError extends Error {
  override name = "NetworkError";
}

const TOKEN_SHAPE = /\bhf_[A-Za-z0-9_-]{8,}/g;
/** Xet access tokens are JWTs (header.payload.signature, base64url, the header starting `eyJ`). */
const JWT_SHAPE = /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;

export function redactTokens(text: string): string {
  return text.replace(TOKEN_SHAPE, "hf_***").replace(JWT_SHAPE, "***");
}

/** The Hub's own words, without the ". URL: … Request ID: …" trailer the JS client appends. */
export function hubMessage(e: HubApiError): string {
  return redactTokens(e.message.replace(/\.? ?URL: \S+(\. Request ID: \S+)?$/, "").trim());
}

export function explainHubError(e: unknown, ctx: ErrorContext): Error {
  if (e instanceof HubError) return e;
  const where = `datasets/${ctx.repo}`;
  if (e instanceof HubApiError) {
    const said = hubMessage(e);
    const requestId = e.requestId ? ` (request id ${e.requestId})` : "";
    switch (e.statusCode) {
      case 401:
        return new HubError(
          `The Hub rejected the token while ${ctx.action} (401 Unauthorized). Check that the secret passed as 'token' ` +
            `(or HF_TOKEN) holds a valid Hugging Face access token with write access, and that it was not revoked.`,
          401,
        );
      case 403:
        return new HubError(
          `The token may not write to ${where} (403 Forbidden: ${said}). Use a token with write access to the ` +
            `'${ctx.repo.split("/")[0]}' namespace (fine-grained tokens: "Write access to contents/settings of all repos" ` +
            `under that user or organization)` +
            (ctx.createPr ? "." : ", or set 'create-pr: true' to open a pull request if you may only propose changes."),
          403,
        );
      case 404:
        return new HubError(`Not found while ${ctx.action} on ${where}: ${said}${requestId}.`, 404);
      case 400:
      case 422:
        return new HubError(
          /README/i.test(said)
            ? `The Hub rejected the dataset card (README.md): ${said}. Fix the front matter (the 'card-metadata' input or the card on the Hub) and publish again.`
            : `The Hub refused the request while ${ctx.action} (${e.statusCode}): ${said}${requestId}.`,
          e.statusCode,
        );
      case 409:
        return new HubError(`Conflict while ${ctx.action} on ${where}: ${said}${requestId}.`, 409);
      case 412:
        return new HubError(
          `The branch kept moving while ${ctx.action}: other commits landed between every attempt. Publish again, or serialize the jobs that write to ${where}.`,
          412,
        );
      case 413:
        return new HubError(`The Hub refused a request as too large while ${ctx.action}: ${said}.`, 413);
      case 429:
        return new HubError(
          `The Hub is rate-limiting this token (429 Too Many Requests: ${said}) and retries did not get through. ` +
            `Wait and publish again; avoid many runs in parallel (the Hub allows about 1000 API requests per 5 minutes and a limited number of commits per hour per repo).`,
          429,
        );
      default:
        if (e.statusCode === 402 || /quota|storage limit|exceeded/i.test(said))
          return new HubError(`Storage quota exceeded for ${where}: ${said}. Free space or upgrade the account, then publish again.`, e.statusCode);
        if (e.statusCode >= 500)
          return new HubError(`The Hub had a server error (${e.statusCode}) while ${ctx.action}, and retries did not help: ${said}${requestId}. Publish again later.`, e.statusCode);
        return new HubError(`Unexpected answer from the Hub while ${ctx.action} (HTTP ${e.statusCode}): ${said}${requestId}.`, e.statusCode);
    }
  }
  if (e instanceof TypeError && /must start with 'hf_'/.test(e.message))
    return new HubError("The token is not a Hugging Face access token (they start with 'hf_'). Check the secret passed as 'token' or HF_TOKEN.");
  if (e instanceof NetworkError)
    return new HubError(`Could not reach the Hub at ${ctx.endpoint} while ${ctx.action}: ${redactTokens(e.message)}. Retries did not help; check the endpoint and the runner's network.`);
  if (e instanceof Error) {
    e.message = redactTokens(e.message);
    return e;
  }
  return new Error(redactTokens(String(e)));
}
