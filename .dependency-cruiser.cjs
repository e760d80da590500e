/**
 * The house rules of DESIGN.md, checked by `npm run check:imports` (and in CI): no circular
 * imports, and imports only run down the layers
 *   config → context → db → platform → capabilities → routers/jobs → app → main.
 */
const capabilities = "(audit|chats|complaints|exports|fulfilment|identity|mail|requests|retention|staff|seed)";
module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", comment: "An import cycle: two modules that need each other.", from: {}, to: { circular: true } },
    { name: "platform-imports-no-capability", severity: "error", comment: "platform/ is the floor every capability stands on: it imports no capability.", from: { path: "^src/platform/" }, to: { path: `^src/${capabilities}/` } },
    { name: "db-imports-no-platform-or-capability", severity: "error", from: { path: "^src/db/" }, to: { path: `^src/(platform|${capabilities})/` } },
    { name: "config-and-context-stand-alone", severity: "error", from: { path: "^src/(config|context)\\.ts$" }, to: { path: `^src/(platform/http|${capabilities})/` } },
    { name: "nothing-imports-the-top", severity: "error", comment: "Only main.ts starts the app; routers.ts and jobs.ts fill registries.", from: { path: "^src/", pathNot: "^src/(main|app|bootstrap)\\.ts$" }, to: { path: "^src/(main|app|routers|jobs|bootstrap)\\.ts$" } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"], extensions: [".ts", ".js"] },
  },
};
