import type { RequestHandler, Response } from "express";

/**
 * Answers that hold personal data, codes or tokens are never kept by a browser's history or
 * cache, nor by a shared cache on the way: the pages behind a sign-in, and every answer to a
 * signed-in user (redirects and error pages included).
 */
export function setNoStore(res: Response): void {
  res.set("Cache-Control", "no-store");
}

export const noStore: RequestHandler = (_req, res, next) => {
  setNoStore(res);
  next();
};
