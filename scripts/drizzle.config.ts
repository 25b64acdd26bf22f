// drizzle-kit generates SQL migrations from src/db/schema.ts: `just db-generate`.
export default {
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  out: "./migrations",
};
