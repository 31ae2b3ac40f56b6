import { HubApiError } from "@huggingface/hub";
import { describe, expect, it } from "vitest";
import { explainHubError, redactTokens } from "../../src/hub/errors.js";

// The shape of a Xet access token: a JWT (header.payload.signature).
const jwt = "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJyZXBvIjoidGVzdGVyL2RhdGEiLCJleHAiOjE3MDB9.c2lnbmF0dXJlLWJ5dGVzLWhlcmU";

describe("secrets in error messages", () => {
  it("redacts Hub tokens and Xet access tokens (JWTs), and nothing else", () => {
    expect(redactTokens(`Bearer hf_abcdefghijklmnop and ${jwt}, then eyJ alone`)).toBe("Bearer hf_*** and ***, then eyJ alone");
  });

  it("never lets a token the Hub or the CAS echoes through an explained error", () => {
    const echoed = new HubApiError("https://cas.example/v1/xorbs/default/x", 418, undefined, `bad token ${jwt}`);
    const explained = explainHubError(echoed, { repo: "tester/data", endpoint: "https://hub.example", action: "uploading the shards" });
    expect(explained.message).toContain("bad token ***");
    expect(explained.message).not.toContain(jwt);
  });
});
