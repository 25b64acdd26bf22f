// How the client commands (new, list, show, cancel, resume, retry, logs, plan --server, …) reach the server:
// the connection with its token rule, and the server's addresses a command prints.
import { pacmanConfSection } from "../api/routes";
import { type ApiClient, createApiClient, type NamespaceListBody } from "../client/api-client";
import { type ClientFlags, loadClientConfig } from "../config/client";
import { Forbidden, Unauthorized } from "../core/errors";

const WHERE_THE_TOKEN_IS =
  "log in with `buildbtw auth login`, or pass a personal or bot token with --token or BUILDBTW_TOKEN (for set-up, the bootstrap admin token: BUILDBTW_ADMIN_TOKEN, or the file DATA_DIR/admin-token on the server host)";

/** A client for reading (no token needed) or for changing (the admin token is checked before any request). */
export function connect(flags: ClientFlags, access: "read" | "change" = "read"): ApiClient {
  const config = loadClientConfig(flags);
  if (access === "change" && !config.token) throw new Unauthorized(`this changes the server: ${WHERE_THE_TOKEN_IS}`);
  return createApiClient({ serverUrl: config.serverUrl, token: config.token });
}

/** A change the server refused for want of the right token says where the right one is. */
export async function asAdmin<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof Unauthorized) throw new Unauthorized(`${error.message}; ${WHERE_THE_TOKEN_IS}`);
    if (error instanceof Forbidden) throw new Forbidden(`${error.message}; ${WHERE_THE_TOKEN_IS}`);
    throw error;
  }
}

export type ListedNamespace = NamespaceListBody["namespaces"][number];

/** A namespace as the list shows it (status, counts, latest iteration: light, no nodes), cancelled ones too. */
export async function listedNamespace(client: ApiClient, name: string): Promise<ListedNamespace | undefined> {
  return (await client.namespaces.list({ all: true })).namespaces.find((n) => n.name === name);
}

/** The web UI's page of a namespace. */
export const namespaceUrl = (serverUrl: string, name: string) => `${serverUrl}/namespaces/${encodeURIComponent(name)}`;

/**
 * The pacman.conf section for a namespace's latest repository, as the server writes it (README.md, Architecture: pacman
 * repositories).
 */
export const pacmanConf = (serverUrl: string, name: string): string => pacmanConfSection(serverUrl, name, "latest");
