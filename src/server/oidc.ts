// Single sign-on through OpenID Connect, with openid-client (panva's certified relying-party library: discovery,
// PKCE, ID token and JWKS validation, refresh and device grants). We never parse or verify tokens ourselves.
// The server is the only OpenID client: browsers use the authorization code flow with PKCE, the CLI either
// the device flow (through the server, which keeps the client secret) or the browser flow with a loopback
// hand-over. What comes back is the user's subject, name, email and groups.
import * as oidc from "openid-client";
import type { OidcConfig } from "../config/server";
import { Unauthorized } from "../core/errors";
import type { Logger } from "../lib/log";

export interface OidcIdentity {
  subject: string;
  name: string;
  email: string | null;
  groups: string[];
  refreshToken: string | null;
}

export interface LoginStart {
  url: string;
  state: string;
  verifier: string;
  nonce: string;
}

export interface DeviceStart {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete: string | null;
  interval: number;
  expiresIn: number;
}

export type DevicePoll = { done: false; slowDown: boolean } | { done: true; identity: OidcIdentity };

export interface OidcClient {
  /** Whether the issuer offers the device authorization grant (for `buildbtw auth login`). */
  offersDeviceFlow(): Promise<boolean>;
  startLogin(redirectUri: string): Promise<LoginStart>;
  finishLogin(callbackUrl: URL, start: Omit<LoginStart, "url">): Promise<OidcIdentity>;
  /** The user's current groups through the refresh token; throws Unauthorized when the provider says no. */
  refresh(refreshToken: string, subject: string): Promise<OidcIdentity>;
  startDevice(): Promise<DeviceStart>;
  pollDevice(deviceCode: string): Promise<DevicePoll>;
}

const stringList = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : typeof v === "string" ? [v] : [];

export function createOidcClient(settings: OidcConfig, log: Logger): OidcClient {
  let discovered: Promise<oidc.Configuration> | null = null;
  const configuration = (): Promise<oidc.Configuration> => {
    discovered ??= oidc
      .discovery(
        new URL(settings.issuer),
        settings.clientId,
        undefined,
        settings.clientSecret ? oidc.ClientSecretBasic(settings.clientSecret) : oidc.None(),
        // Plain http only for a provider on this machine (tests, development).
        /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:|\/)/.test(settings.issuer)
          ? { execute: [oidc.allowInsecureRequests] }
          : undefined,
      )
      .catch((error) => {
        discovered = null;
        log.error("single sign-on discovery failed", { issuer: settings.issuer, error: String(error) });
        throw error;
      });
    return discovered;
  };

  async function identityOf(
    config: oidc.Configuration,
    tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
    expectedSubject?: string,
  ): Promise<OidcIdentity> {
    let claims: Record<string, unknown> = { ...(tokens.claims() ?? {}) };
    const subject = (claims.sub as string | undefined) ?? expectedSubject;
    if (!subject) throw new Unauthorized("the identity provider sent no subject");
    // Groups and names may only be in the userinfo response (they are not required in ID tokens).
    if (!(settings.groupsClaim in claims) && tokens.access_token) {
      claims = { ...claims, ...(await oidc.fetchUserInfo(config, tokens.access_token, subject)) };
    }
    const name =
      [claims.preferred_username, claims.name, claims.email].find((v): v is string => typeof v === "string") ?? subject;
    return {
      subject,
      name,
      email: typeof claims.email === "string" ? claims.email : null,
      groups: stringList(claims[settings.groupsClaim]),
      refreshToken: tokens.refresh_token ?? null,
    };
  }

  return {
    async offersDeviceFlow() {
      return Boolean((await configuration()).serverMetadata().device_authorization_endpoint);
    },
    async startLogin(redirectUri) {
      const config = await configuration();
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: settings.scopes,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
        state,
        nonce,
        // offline_access (a refresh token, to re-read groups daily) needs the user's consent.
        ...(settings.scopes.split(" ").includes("offline_access") ? { prompt: "consent" } : {}),
      });
      return { url: url.href, state, verifier, nonce };
    },
    async finishLogin(callbackUrl, start) {
      const config = await configuration();
      const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: start.verifier,
        expectedState: start.state,
        expectedNonce: start.nonce,
        idTokenExpected: true,
      });
      return identityOf(config, tokens);
    },
    async refresh(refreshToken, subject) {
      const config = await configuration();
      try {
        const tokens = await oidc.refreshTokenGrant(config, refreshToken);
        const identity = await identityOf(config, tokens, subject);
        return { ...identity, refreshToken: identity.refreshToken ?? refreshToken };
      } catch (error) {
        if (error instanceof oidc.ResponseBodyError)
          throw new Unauthorized(`the identity provider ended the login (${error.error})`);
        throw error;
      }
    },
    async startDevice() {
      const config = await configuration();
      const r = await oidc.initiateDeviceAuthorization(config, { scope: settings.scopes });
      return {
        deviceCode: r.device_code,
        userCode: r.user_code,
        verificationUri: r.verification_uri,
        verificationUriComplete: r.verification_uri_complete ?? null,
        interval: r.interval ?? 5,
        expiresIn: r.expires_in,
      };
    },
    async pollDevice(deviceCode) {
      const config = await configuration();
      try {
        const tokens = await oidc.genericGrantRequest(config, "urn:ietf:params:oauth:grant-type:device_code", {
          device_code: deviceCode,
        });
        return { done: true, identity: await identityOf(config, tokens) };
      } catch (error) {
        if (error instanceof oidc.ResponseBodyError) {
          if (error.error === "authorization_pending") return { done: false, slowDown: false };
          if (error.error === "slow_down") return { done: false, slowDown: true };
          throw new Unauthorized(`the device login did not succeed (${error.error})`);
        }
        throw error;
      }
    },
  };
}
