// A real OpenID Connect provider for tests: the `oidc-provider` package (the certified Node.js implementation)
// on a random loopback port, with its own login and consent pages (dev interactions: any password), the
// device flow, refresh tokens, and users whose groups a test can change or remove while they are logged in.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

export interface TestUser {
  name: string;
  email: string;
  groups: string[];
}

export interface TestProvider {
  issuer: string;
  /** The users by login name (the subject): change groups or delete users here; refreshes see it. */
  users: Map<string, TestUser>;
  stop(): Promise<void>;
}

export async function startProvider(opts: {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  users: Record<string, TestUser>;
}): Promise<TestProvider> {
  const users = new Map(Object.entries(opts.users));
  const http: Server = createServer();
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: opts.clientId,
        client_secret: opts.clientSecret,
        redirect_uris: opts.redirectUris,
        grant_types: ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    cookies: { keys: ["test-cookie-key-0123456789"] },
    features: {
      devInteractions: { enabled: true },
      deviceFlow: { enabled: true },
    },
    scopes: ["openid", "offline_access", "profile", "email", "groups"],
    claims: {
      openid: ["sub"],
      profile: ["name", "preferred_username"],
      email: ["email"],
      groups: ["groups"],
    },
    conformIdTokenClaims: false,
    findAccount: async (_ctx, id) => {
      const user = users.get(id);
      if (!user) return undefined;
      return {
        accountId: id,
        claims: async () => ({
          sub: id,
          name: user.name,
          preferred_username: id,
          email: user.email,
          groups: [...user.groups],
        }),
      };
    },
    ttl: {
      AccessToken: 600,
      IdToken: 600,
      RefreshToken: 86_400,
      DeviceCode: 600,
      Grant: 86_400,
      Session: 86_400,
      Interaction: 600,
    },
  });
  http.on("request", provider.callback());
  return {
    issuer,
    users,
    stop: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}
