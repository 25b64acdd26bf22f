// Where the web UI links commits: a template, or GitLab's commit pages of Arch's package projects.
import { describe, expect, test } from "bun:test";
import { loadServerConfig } from "../../config/server";
import { uiSettings } from "./ui-settings";

const ui = (env: Record<string, string>) => uiSettings(loadServerConfig({}, env).ui);

describe("commit links", () => {
  test("a template, GitLab settings, or no link at all", () => {
    const template = ui({ BUILDBTW_COMMIT_URL_TEMPLATE: "https://forge.test/{pkgbase}/c/{commit}" });
    expect(template.commitUrl("gtk+", "abc")).toBe("https://forge.test/gtk%2B/c/abc");
    const gitlab = ui({ GITLAB_DOMAIN: "gitlab.archlinux.org" });
    expect(gitlab.commitUrl("libsigc++", "abc")).toBe(
      "https://gitlab.archlinux.org/archlinux/packaging/packages/libsigcplusplus/-/commit/abc",
    );
    // GitLab mode's own settings.
    const mode = ui({ GITLAB_TOKEN: "glpat-x", GITLAB_DOMAIN: "https://gitlab.test", GITLAB_PACKAGES_GROUP: "pkgs" });
    expect(mode.commitUrl("tree", "abc")).toBe("https://gitlab.test/pkgs/unix-tree/-/commit/abc");
    // The template wins over GitLab's pages.
    expect(
      ui({ GITLAB_TOKEN: "glpat-x", BUILDBTW_COMMIT_URL_TEMPLATE: "https://cgit.test/{pkgbase}/{commit}" }).commitUrl(
        "zlib",
        "abc",
      ),
    ).toBe("https://cgit.test/zlib/abc");
    expect(ui({}).commitUrl("zlib", "abc")).toBeNull();
    expect(loadServerConfig({}, {}).ui).toEqual({ commitUrlTemplate: null });
  });

  test("a template that is no URL or names no commit is a clear settings error naming the variable", () => {
    expect(() => ui({ BUILDBTW_COMMIT_URL_TEMPLATE: "ftp://x/{commit}" })).toThrow(
      "invalid server settings: BUILDBTW_COMMIT_URL_TEMPLATE must be an http(s) URL",
    );
    expect(() => ui({ BUILDBTW_COMMIT_URL_TEMPLATE: "https://x/{pkgbase}" })).toThrow(
      "invalid server settings: BUILDBTW_COMMIT_URL_TEMPLATE must contain {commit}",
    );
  });
});
