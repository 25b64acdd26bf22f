// Where the web UI links commits: a template, or GitLab's commit pages of Arch's package projects.
import { describe, expect, test } from "bun:test";
import { loadUiSettings } from "../src/server/http/ui-settings";

describe("commit links", () => {
  test("a template, GitLab settings, or no link at all", () => {
    const template = loadUiSettings({ BUILDBTW_COMMIT_URL_TEMPLATE: "https://forge.test/{pkgbase}/c/{commit}" });
    expect(template.commitUrl("gtk+", "abc")).toBe("https://forge.test/gtk%2B/c/abc");
    const gitlab = loadUiSettings({ GITLAB_DOMAIN: "gitlab.archlinux.org" });
    expect(gitlab.commitUrl("libsigc++", "abc")).toBe(
      "https://gitlab.archlinux.org/archlinux/packaging/packages/libsigcplusplus/-/commit/abc",
    );
    // GitLab mode's own settings, as serve loaded them.
    const mode = loadUiSettings({}, { url: "https://gitlab.test", group: "pkgs" });
    expect(mode.commitUrl("tree", "abc")).toBe("https://gitlab.test/pkgs/unix-tree/-/commit/abc");
    expect(loadUiSettings({}).commitUrl("zlib", "abc")).toBeNull();
  });

  test("a template that is no URL or names no commit is a clear settings error", () => {
    expect(() => loadUiSettings({ BUILDBTW_COMMIT_URL_TEMPLATE: "ftp://x/{commit}" })).toThrow(
      "invalid server settings: commitUrlTemplate: must be an http(s) URL",
    );
    expect(() => loadUiSettings({ BUILDBTW_COMMIT_URL_TEMPLATE: "https://x/{pkgbase}" })).toThrow(
      "must contain {commit}",
    );
  });
});
