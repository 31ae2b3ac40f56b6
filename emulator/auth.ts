// Users, organizations and access tokens known to the emulator, and the
// permission rules the Hub applies to them.
import { createHash } from "node:crypto";
import { HubError } from "./errors.js";

export type TokenRole = "read" | "write";

export interface UserConfig {
  name: string;
  fullname?: string;
  email?: string;
  /** organizations the user is a (writing) member of */
  orgs?: string[];
}

export interface TokenConfig {
  /** must look like a Hub token ("hf_" + 30 or more chars): the JS client rejects anything else */
  token: string;
  user: string;
  role: TokenRole;
  displayName?: string;
}

export const DEFAULT_USERS: UserConfig[] = [
  { name: "tester", fullname: "Emulator Tester", email: "tester@example.com", orgs: ["test-org"] },
  { name: "stranger", fullname: "Someone Else", email: "stranger@example.com", orgs: [] },
];

// Fixed so that the CLI prints the same tokens on every start. They grant
// nothing outside this emulator.
export const DEFAULT_TOKENS: TokenConfig[] = [
  { token: "hf_emuTesterWrite0000000000000000000001", user: "tester", role: "write", displayName: "tester-write" },
  { token: "hf_emuTesterRead00000000000000000000002", user: "tester", role: "read", displayName: "tester-read" },
  { token: "hf_emuStrangerWrite000000000000000000003", user: "stranger", role: "write", displayName: "stranger-write" },
];

export interface Principal {
  user: UserConfig;
  role: TokenRole;
  displayName: string;
  createdAt: Date;
}

/** Result of reading the Authorization header. */
export type Identity = { kind: "anonymous" } | { kind: "invalid" } | { kind: "user"; principal: Principal };

export const INVALID_CREDENTIALS = "Invalid credentials in Authorization header";

/** Stable fake 24-hex ids, like the Hub's Mongo ids. */
export function fakeId(seed: string): string {
  return createHash("sha1").update(seed).digest("hex").slice(0, 24);
}

export class AuthRegistry {
  private readonly users = new Map<string, UserConfig>();
  private readonly tokens = new Map<string, Principal>();
  readonly orgs = new Set<string>();

  constructor(users: UserConfig[], tokens: TokenConfig[]) {
    const created = new Date("2024-01-01T00:00:00.000Z");
    for (const user of users) {
      this.users.set(user.name, user);
      for (const org of user.orgs ?? []) this.orgs.add(org);
    }
    for (const t of tokens) {
      const user = this.users.get(t.user);
      if (!user) throw new Error(`emulator: token for unknown user "${t.user}"`);
      if (!/^hf_[A-Za-z0-9_]{30,}$/.test(t.token)) {
        throw new Error(`emulator: tokens must look like "hf_" + 30 or more letters/digits (user ${t.user})`);
      }
      this.tokens.set(t.token, { user, role: t.role, displayName: t.displayName ?? `${t.user}-${t.role}`, createdAt: created });
    }
  }

  identify(authorization: string | undefined): Identity {
    if (!authorization) return { kind: "anonymous" };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    const principal = match ? this.tokens.get(match[1]) : undefined;
    return principal ? { kind: "user", principal } : { kind: "invalid" };
  }

  canWriteNamespace(principal: Principal, namespace: string): boolean {
    return principal.user.name === namespace || (principal.user.orgs ?? []).includes(namespace);
  }

  /** Read access to a private repo = membership of its namespace, whatever the token role. */
  canSeePrivate(identity: Identity, namespace: string): boolean {
    return identity.kind === "user" && this.canWriteNamespace(identity.principal, namespace);
  }
}

/** 401 for a missing or unknown token, 403 for a read token. */
export function requireWriteToken(identity: Identity, action: string): Principal {
  if (identity.kind === "invalid") throw invalidCredentials();
  if (identity.kind === "anonymous") {
    throw new HubError(401, `You must be authenticated to ${action}: pass an access token in the Authorization header`);
  }
  if (identity.principal.role !== "write") {
    throw new HubError(
      403,
      `You don't have the rights to ${action} with a read token ("${identity.principal.displayName}"). Use a token with the "write" role.`,
    );
  }
  return identity.principal;
}

export function invalidCredentials(): HubError {
  return new HubError(401, INVALID_CREDENTIALS);
}
