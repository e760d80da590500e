/**
 * Every GET route the portal mounts, read from the Express router stack of a freshly built app
 * (the route tables and the hand-written routers alike), so a page test can tell when a new page
 * has no entry in its list.
 */
import type { AppContext } from "../../../src/context.js";
import { buildApp } from "../../../src/app.js";

interface Layer {
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

export function mountedGetPaths(ctx: AppContext): string[] {
  const app = buildApp(ctx) as unknown as { router: { stack: Layer[] } };
  const paths = new Set<string>();
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        if (layer.route.methods.get) for (const p of [layer.route.path].flat()) paths.add(String(p));
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk(app.router.stack);
  return [...paths];
}
