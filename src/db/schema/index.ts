export * from "./organizations.js";
export * from "./chats.js";
export * from "./requests.js";
export * from "./platform.js";
export * from "./identity.js";
export * from "./reviews.js";
