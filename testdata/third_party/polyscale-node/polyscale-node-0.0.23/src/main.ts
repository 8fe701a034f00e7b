export { PolyScale } from "./lib/PolyScale";
export type { CacheTtl } from "./lib/CacheTtlApi";
export type { Cache } from "./lib/CacheApi";
