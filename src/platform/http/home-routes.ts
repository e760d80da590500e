import { Router } from "express";
import type { AppContext } from "../../context.js";

export function homeRouter(_ctx: AppContext): Router {
  const router = Router();
  router.get("/", (req, res) => {
    res.render("platform/home", { title: req.t("platform.home.title") });
  });
  return router;
}
