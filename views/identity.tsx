// The tokens page (everyone logged in: their personal tokens; admins: every token, and bot tokens to make) and
// the audit log page (admins).

import { SCOPES } from "../src/core/access";
import type { auditJson, tokenJson } from "../src/server/http/identity";
import { Columns, CsrfField, Time } from "./components";
import { Layout, type Site } from "./layout";
import { urls } from "./urls";

type Token = ReturnType<typeof tokenJson>;
type AuditRow = ReturnType<typeof auditJson>;

export function TokensPage(p: {
  site: Site;
  tokens: Token[];
  isUser: boolean;
  created?: { name: string; token: string };
}) {
  const csrf = p.site.csrf;
  return (
    <Layout site={p.site} title="Tokens">
      <h1>Tokens</h1>
      {p.created ? (
        <div class="notice" id="new-token" role="status">
          <p>
            The token <strong>{p.created.name}</strong>, shown this once: copy it now.
          </p>
          <p>
            <code class="secret">{p.created.token}</code>
          </p>
        </div>
      ) : null}
      <p class="muted">
        Personal tokens act as you, with your current role. Bot tokens carry scopes. Every token is stored hashed and
        shown once.
      </p>
      <div class="table-wrap">
        <table id="tokens">
          <Columns names={["Id", "Name", "Kind", "Scopes", "Created", "Expires", "Last used", "State", ""]} />
          <tbody>
            {p.tokens.map((t) => (
              <tr id={`token-${t.id}`}>
                <td>{t.id}</td>
                <td>{t.name}</td>
                <td>{t.kind}</td>
                <td>{t.scopes.join(", ") || "—"}</td>
                <td>
                  <Time iso={t.created_at} now={p.site.now} /> {t.created_by ? `by ${t.created_by}` : ""}
                </td>
                <td>{t.expires_at ? <Time iso={t.expires_at} now={p.site.now} /> : "never"}</td>
                <td>{t.last_used_at ? <Time iso={t.last_used_at} now={p.site.now} /> : "never"}</td>
                <td>{t.revoked_at ? `revoked by ${t.revoked_by}` : "live"}</td>
                <td>
                  {!t.revoked_at && csrf ? (
                    <form method="post" action={`/tokens/${t.id}/revoke`}>
                      <CsrfField csrf={csrf} />
                      <button type="submit" class="small danger">
                        Revoke
                      </button>
                    </form>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {csrf && p.isUser ? (
        <form method="post" action={urls.tokens()} id="new-personal">
          <h2>New personal token</h2>
          <CsrfField csrf={csrf} />
          <p>
            <label for="pt-name">Label</label> <input id="pt-name" name="name" required maxLength={64} />{" "}
            <label for="pt-expires">Expires</label>{" "}
            <input id="pt-expires" name="expires" placeholder="90d" maxLength={40} />{" "}
            <button type="submit">Create</button>
          </p>
        </form>
      ) : null}
      {csrf && p.site.admin ? (
        <form method="post" action={urls.tokens()} id="new-bot">
          <h2>New bot token</h2>
          <CsrfField csrf={csrf} />
          <input type="hidden" name="bot" value="1" />
          <p>
            <label for="bt-name">Name</label> <input id="bt-name" name="name" required maxLength={64} />{" "}
            <label for="bt-expires">Expires</label>{" "}
            <input id="bt-expires" name="expires" placeholder="never" maxLength={40} />
          </p>
          <fieldset>
            <legend>Scopes</legend>
            {SCOPES.map((s) => (
              <label>
                <input type="checkbox" name="scopes" value={s} /> {s}{" "}
              </label>
            ))}
          </fieldset>
          <p>
            <button type="submit">Create</button>
          </p>
        </form>
      ) : null}
    </Layout>
  );
}

export function AuditPage(p: { site: Site; entries: AuditRow[]; query: Record<string, string | undefined> }) {
  return (
    <Layout site={p.site} title="Audit log">
      <h1>Audit log</h1>
      <form method="get" action={urls.audit()} class="filters">
        <label for="a-actor">Actor</label> <input id="a-actor" name="actor" value={p.query.actor ?? ""} />{" "}
        <label for="a-target">Target</label> <input id="a-target" name="target" value={p.query.target ?? ""} />{" "}
        <label for="a-result">Result</label>{" "}
        <select id="a-result" name="result">
          {["", "ok", "refused", "failed"].map((r) => (
            <option value={r} selected={(p.query.result ?? "") === r}>
              {r || "any"}
            </option>
          ))}
        </select>{" "}
        <button type="submit">Filter</button>
      </form>
      <div class="table-wrap">
        <table id="audit">
          <Columns names={["When", "Actor", "Action", "Target", "Result", "Status", "From"]} />
          <tbody>
            {p.entries.map((e) => (
              <tr>
                <td>
                  <Time iso={e.at} now={p.site.now} />
                </td>
                <td>
                  {e.actor} <span class="muted small">({e.actor_kind})</span>
                </td>
                <td>{e.action}</td>
                <td>{e.target}</td>
                <td>
                  {e.result}
                  {e.detail ? <span class="muted small"> ({e.detail})</span> : null}
                </td>
                <td>{e.status}</td>
                <td>{e.remote_address ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Layout>
  );
}

export interface UserRow {
  name: string;
  email: string | null;
  role: string;
  groups: string[];
  last_login_at: string | null;
}

/** Who has logged in, their role and the groups it came from (admins). Roles change at the identity provider. */
export function UsersPage(p: { site: Site; users: UserRow[] }) {
  return (
    <Layout site={p.site} title="Users">
      <h1>Users</h1>
      <p class="muted">
        Roles follow the groups the identity provider sends, read at each login and again daily. Change them there.
      </p>
      <div class="table-wrap">
        <table id="users">
          <Columns names={["Name", "Email", "Role", "Groups", "Last login"]} />
          <tbody>
            {p.users.map((u) => (
              <tr>
                <td>{u.name}</td>
                <td>{u.email ?? "—"}</td>
                <td>{u.role}</td>
                <td>{u.groups.join(", ") || "—"}</td>
                <td>{u.last_login_at ? <Time iso={u.last_login_at} now={p.site.now} /> : "never"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Layout>
  );
}
