// Every page's URL in one place. Stable and shareable: a namespace's latest state, an iteration, a build.
const enc = encodeURIComponent;

export interface NamespaceLink {
  iteration?: number;
  arch?: string;
  status?: string;
  q?: string;
  page?: number;
  node?: string;
  depth?: number;
}

function query(params: Record<string, string | number | undefined>): string {
  const entries = Object.entries(params).filter(
    (e): e is [string, string | number] => e[1] !== undefined && e[1] !== "",
  );
  return entries.length ? `?${entries.map(([k, v]) => `${k}=${enc(String(v))}`).join("&")}` : "";
}

export const urls = {
  home: () => "/",
  login: (next?: string) => `/login${query({ next })}`,
  logout: () => "/logout",
  ssoLogin: (next?: string) => `/auth/login${query({ next })}`,
  tokens: () => "/tokens",
  audit: () => "/admin/audit",
  users: () => "/admin/users",
  /** The namespace's latest iteration, or one iteration by id. */
  namespace: (name: string, l: NamespaceLink = {}) =>
    `/namespaces/${enc(name)}${l.iteration !== undefined ? `/iterations/${l.iteration}` : ""}${query({
      arch: l.arch,
      status: l.status,
      q: l.q,
      page: l.page && l.page > 1 ? l.page : undefined,
      node: l.node,
      depth: l.depth,
    })}`,
  namespaceEvents: (name: string, iteration: number, arch: string, since: number) =>
    `/namespaces/${enc(name)}/iterations/${iteration}/events${query({ arch, since })}`,
  depthGroup: (name: string, iteration: number, arch: string, depth: number) =>
    `/namespaces/${enc(name)}/iterations/${iteration}/groups/${depth}${query({ arch })}`,
  action: (name: string, verb: "cancel" | "resume" | "retry" | "retry-node") => `/namespaces/${enc(name)}/${verb}`,
  build: (id: number) => `/builds/${id}`,
  buildLog: (id: number) => `/builds/${id}/log.txt`,
  buildEvents: (id: number, offset: number, since: number) => `/builds/${id}/events${query({ offset, since })}`,
  homeEvents: (since: number) => `/events${query({ since })}`,
};
