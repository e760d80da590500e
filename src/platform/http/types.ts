import type { AppContext } from "../../context.js";
import type { organizations } from "../../db/schema/index.js";
import type { Locale, Translate } from "../i18n.js";
import type { Session } from "../session.js";

export type Organization = typeof organizations.$inferSelect;

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      ctx: AppContext;
      org: Organization;
      session?: Session;
      locale: Locale;
      t: Translate;
      csrfToken: string;
    }
  }
}
