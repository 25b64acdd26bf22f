// Bun's text imports (`with { type: "text" }`) embed these files in the compiled binary.
declare module "*.sql" {
  const text: string;
  export default text;
}
declare module "*.css" {
  const text: string;
  export default text;
}
