/**
 * The house rules (README "Layers"), checked by `npm run check:imports` and in CI: no circular
 * imports, and imports only run down the layers
 *   config → context → db → platform → capabilities (in the order below) → routers/jobs → app → main.
 */
/** Capabilities from the bottom up: each may import those before it, never one after it. */
const order = ["redaction", "chats", "mail", "identity", "requests", "retention", "settings", "exports", "complaints", "fulfilment", "staff", "audit", "seed"];
const any = `(${order.join("|")})`;

const upward = order.map((name, i) => ({
  name: `${name}-imports-only-capabilities-below-it`,
  severity: "error",
  comment: `${name} stands on ${order.slice(0, i).join(", ") || "platform and db only"}; one above it is reached through a registry that src/routers.ts or src/jobs.ts fills.`,
  from: { path: `^src/${name}/` },
  to: { path: i + 1 < order.length ? `^src/(${order.slice(i + 1).join("|")})/` : "^$" },
}));

module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", comment: "An import cycle: two modules that need each other.", from: {}, to: { circular: true } },
    { name: "platform-imports-no-capability", severity: "error", comment: "platform/ is the floor every capability stands on: it imports no capability.", from: { path: "^src/platform/" }, to: { path: `^src/${any}/` } },
    { name: "db-imports-no-platform-or-capability", severity: "error", from: { path: "^src/db/" }, to: { path: `^src/(platform|${any.slice(1, -1)})/` } },
    { name: "config-and-context-stand-alone", severity: "error", from: { path: "^src/(config|context)\\.ts$" }, to: { path: `^src/(platform/http|${any.slice(1, -1)})/` } },
    { name: "nothing-imports-the-top", severity: "error", comment: "Only main.ts starts the app; routers.ts and jobs.ts fill registries.", from: { path: "^src/", pathNot: "^src/(main|app|bootstrap)\\.ts$" }, to: { path: "^src/(main|app|routers|jobs|bootstrap|data-migrations)\\.ts$" } },
    ...upward,
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"], extensions: [".ts", ".js"] },
  },
};
