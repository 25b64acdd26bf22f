import { expect, test } from "bun:test";
import { Invalid } from "../core/errors";
import { loadLogConfig } from "./log";
import { loadServerConfig } from "./server";
import { loadWorkerConfig } from "./worker";

test("logging: pretty on a terminal and info by default; json, pretty, debug and warn when asked", () => {
  expect(loadLogConfig({})).toEqual({ format: null, level: "info" });
  expect(loadLogConfig({ BUILDBTW_LOG_FORMAT: "json", BUILDBTW_LOG_LEVEL: "Debug" })).toEqual({
    format: "json",
    level: "debug",
  });
  expect(loadLogConfig({ BUILDBTW_LOG_FORMAT: "", BUILDBTW_LOG_LEVEL: "warn" })).toEqual({
    format: null,
    level: "warn",
  });
  // Part of the settings of the modes that log, so a .env sets it like everything else.
  expect(loadServerConfig({}, { BUILDBTW_LOG_LEVEL: "warn" }).log.level).toBe("warn");
  expect(loadWorkerConfig({ token: "t" }, { BUILDBTW_LOG_FORMAT: "pretty" }).log.format).toBe("pretty");
});

test("a format or level that is neither is refused naming the variable", () => {
  expect(() => loadLogConfig({ BUILDBTW_LOG_LEVEL: "error" })).toThrow(
    new Invalid("invalid logging settings: BUILDBTW_LOG_LEVEL must be debug, info or warn"),
  );
  expect(() => loadServerConfig({}, { BUILDBTW_LOG_FORMAT: "xml" })).toThrow(
    "invalid logging settings: BUILDBTW_LOG_FORMAT must be pretty or json",
  );
});
